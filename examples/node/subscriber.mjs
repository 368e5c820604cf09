// The enriched events with the plain `redis` client, in a consumer group of your own: each event
// is handled once, even across restarts (what was read but not acknowledged is read again first).
//
//     eval "$(newswire env)"
//     cd examples/node && npm ci && node subscriber.mjs [COUNT]
//
// prints each event's headline and language; exits after COUNT events if given. The group is
// GROUP (default my-app), the consumer CONSUMER (default worker-1).
import { createClient } from "redis";

const url = process.env.NEWSWIRE_REDIS_URL;
if (!url) {
  console.error('NEWSWIRE_REDIS_URL: not set; run eval "$(newswire env)" first');
  process.exit(2);
}
const stream = (process.env.NEWSWIRE_STREAM_PREFIX ?? "") + "articles:enriched";
const group = process.env.GROUP ?? "my-app";
const consumer = process.env.CONSUMER ?? "worker-1"; // keep it across restarts: its pending entries are read again
const count = process.argv[2] ? Number(process.argv[2]) : Infinity;

const client = createClient({ url });
client.on("error", (err) => console.error("redis:", err.message));
await client.connect();
try {
  // id 0: the group starts with the whole stream
  await client.xGroupCreate(stream, group, "0", { MKSTREAM: true });
} catch (err) {
  if (!String(err.message).includes("BUSYGROUP")) throw err;
}

let seen = 0;
let nextId = "0"; // first this consumer's own pending entries, then new ones
while (seen < count) {
  const replies = await client.xReadGroup(group, consumer, { key: stream, id: nextId }, { COUNT: 100, BLOCK: 30000 });
  const messages = replies?.[0]?.messages ?? [];
  if (nextId === "0" && messages.length === 0) nextId = ">";
  for (const { id, message } of messages) {
    const event = JSON.parse(message.__data__);
    console.log(event.headline, event.enrichment.language);
    await client.xAck(stream, group, id);
    if (++seen === count) break;
  }
}
await client.close();
