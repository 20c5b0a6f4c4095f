// Exercises pgjdbc against a target given as a JDBC URL (first argument). Prints one "name=value" line
// per check; the pytest driver asserts on them. Exits non-zero on any unexpected exception.
import java.sql.*;
import java.util.concurrent.*;

public class DriverCheck {
    public static void main(String[] args) throws Exception {
        String url = args[0];
        String user = args.length > 1 ? args[1] : "postgres";
        String password = args.length > 2 ? args[2] : "";
        try (Connection conn = DriverManager.getConnection(url, user, password)) {
            try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery("SELECT current_user")) {
                rs.next();
                System.out.println("user=" + rs.getString(1));
            }

            // prepareThreshold defaults to 5: later executions switch to a named server-side statement.
            long sum = 0;
            try (PreparedStatement ps = conn.prepareStatement("SELECT ?::int * 3, ?::text || '✓'")) {
                for (int i = 0; i < 20; i++) {
                    ps.setInt(1, i);
                    ps.setString(2, "v" + i);
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        sum += rs.getInt(1);
                        if (i == 19) System.out.println("prepared_last=" + rs.getString(2));
                    }
                }
            }
            System.out.println("prepared_sum=" + sum);

            try (Statement st = conn.createStatement()) {
                st.execute("CREATE TEMP TABLE jb (id int PRIMARY KEY, label text, amount numeric)");
            }
            conn.setAutoCommit(false);
            try (PreparedStatement ps = conn.prepareStatement("INSERT INTO jb VALUES (?, ?, ?)")) {
                for (int i = 1; i <= 1000; i++) {
                    ps.setInt(1, i);
                    ps.setString(2, i % 10 == 0 ? null : "label\t" + i);
                    ps.setBigDecimal(3, new java.math.BigDecimal(i).movePointLeft(2));
                    ps.addBatch();
                }
                int[] counts = ps.executeBatch();
                int inserted = 0;
                for (int c : counts) inserted += (c == Statement.SUCCESS_NO_INFO ? 1 : c);
                System.out.println("batch_statements=" + counts.length + " batch_inserted=" + inserted);
            }
            conn.commit();
            conn.setAutoCommit(true);
            try (Statement st = conn.createStatement();
                 ResultSet rs = st.executeQuery("SELECT count(*), count(label), sum(amount) FROM jb")) {
                rs.next();
                System.out.println("table_rows=" + rs.getLong(1) + " labels=" + rs.getLong(2)
                        + " amount_sum=" + rs.getBigDecimal(3).toPlainString());
            }

            try (Statement st = conn.createStatement()) {
                st.execute("SELECT 1/0");
                System.out.println("error_sqlstate=none");
            } catch (SQLException e) {
                System.out.println("error_sqlstate=" + e.getSQLState());
            }
            try (Statement st = conn.createStatement()) {
                st.execute("INSERT INTO jb VALUES (1, 'dup', 0)");
            } catch (SQLException e) {
                System.out.println("dup_sqlstate=" + e.getSQLState());
            }

            // Statement.cancel() opens a new connection carrying the backend key data the driver was given.
            try (Statement st = conn.createStatement()) {
                ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
                timer.schedule(() -> { try { st.cancel(); } catch (SQLException e) { e.printStackTrace(); } },
                        500, TimeUnit.MILLISECONDS);
                long started = System.nanoTime();
                try {
                    st.execute("SELECT pg_sleep(30)");
                    System.out.println("cancel_sqlstate=none");
                } catch (SQLException e) {
                    System.out.println("cancel_sqlstate=" + e.getSQLState());
                }
                System.out.println("cancel_ms=" + (System.nanoTime() - started) / 1_000_000);
                timer.shutdown();
            }
            try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery("SELECT 'after_cancel'")) {
                rs.next();
                System.out.println("after_cancel=" + rs.getString(1));
            }
        }
    }
}
