// Exercises node-pg (pure JavaScript protocol client) against host/port given as arguments.
// Prints one JSON object with what it saw; the pytest driver asserts on it.
const { Client } = require('pg');

async function main() {
  const [host, port] = process.argv.slice(2);
  const config = { host, port: Number(port), user: 'postgres', database: 'postgres', ssl: false };
  const out = {};
  const client = new Client(config);
  const notifier = new Client(config);
  await client.connect();
  await notifier.connect();
  try {
    const params = await client.query('SELECT $1::int + 1 AS n, $2::text AS t, $3::jsonb AS j, $4::text IS NULL AS isnull',
      [41, 'tab\t✓', JSON.stringify({ a: [1, 2] }), null]);
    out.params = params.rows[0];

    const named = { name: 'drivers-named', text: 'SELECT $1::int * $1::int AS sq', values: [0] };
    out.squares = [];
    for (let i = 1; i <= 5; i++) {
      named.values = [i];
      out.squares.push((await client.query(named)).rows[0].sq);
    }

    try {
      await client.query('SELECT 1/0');
      out.error = null;
    } catch (e) {
      out.error = { code: e.code, message: e.message, severity: e.severity };
    }
    out.afterError = (await client.query("SELECT 'ok' AS v")).rows[0].v;

    await client.query('LISTEN drivers_node');
    const notified = new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no notification within 10 s')), 10000);
      client.on('notification', (msg) => { clearTimeout(timer); resolve(msg); });
    });
    out.notifierPid = (await notifier.query('SELECT pg_backend_pid() AS pid')).rows[0].pid;
    await notifier.query("NOTIFY drivers_node, 'from node ✓'");
    const msg = await notified;
    out.notification = { channel: msg.channel, payload: msg.payload, processId: msg.processId };
  } finally {
    await client.end();
    await notifier.end();
  }
  console.log(JSON.stringify(out));
}

main().catch((e) => { console.error(e); process.exit(1); });
