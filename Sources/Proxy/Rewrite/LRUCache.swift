/// A fixed-capacity map that forgets the least recently used entry first. Entries live in an array
/// threaded into a doubly linked list by index, so a hit or an insert allocates nothing once full.
struct LRUCache<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private struct Entry {
        var key: Key
        var value: Value
        var previous: Int
        var next: Int
    }

    let capacity: Int
    private var index: [Key: Int] = [:]
    private var entries: [Entry] = []
    /// Most recently used; -1 when empty.
    private var head = -1
    /// Least recently used; -1 when empty.
    private var tail = -1

    init(capacity: Int) {
        precondition(capacity > 0)
        self.capacity = capacity
    }

    var count: Int { index.count }

    subscript(key: Key) -> Value? {
        mutating get {
            guard let slot = index[key] else { return nil }
            moveToFront(slot)
            return entries[slot].value
        }
        set {
            guard let newValue else {
                preconditionFailure("LRUCache does not remove entries by assigning nil")
            }
            if let slot = index[key] {
                entries[slot].value = newValue
                moveToFront(slot)
                return
            }
            if entries.count < capacity {
                entries.append(Entry(key: key, value: newValue, previous: -1, next: -1))
                let slot = entries.count - 1
                index[key] = slot
                link(slot)
            } else {
                let slot = tail
                unlink(slot)
                index.removeValue(forKey: entries[slot].key)
                entries[slot] = Entry(key: key, value: newValue, previous: -1, next: -1)
                index[key] = slot
                link(slot)
            }
        }
    }

    /// Keys from most to least recently used.
    var keysByRecency: [Key] {
        var keys: [Key] = []
        var slot = head
        while slot != -1 {
            keys.append(entries[slot].key)
            slot = entries[slot].next
        }
        return keys
    }

    private mutating func moveToFront(_ slot: Int) {
        guard slot != head else { return }
        unlink(slot)
        link(slot)
    }

    private mutating func link(_ slot: Int) {
        entries[slot].previous = -1
        entries[slot].next = head
        if head != -1 { entries[head].previous = slot }
        head = slot
        if tail == -1 { tail = slot }
    }

    private mutating func unlink(_ slot: Int) {
        let previous = entries[slot].previous
        let next = entries[slot].next
        if previous != -1 { entries[previous].next = next } else { head = next }
        if next != -1 { entries[next].previous = previous } else { tail = previous }
    }
}
