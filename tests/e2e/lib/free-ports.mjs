#!/usr/bin/env node
// node free-ports.mjs N: N distinct free loopback ports, one a line. The N sockets are held
// open together, so the kernel cannot hand out the same port twice.
import net from "node:net";

const n = Number(process.argv[2] || 1);
const servers = await Promise.all(
  Array.from({ length: n }, () => new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => resolve(s));
  })),
);
console.log(servers.map((s) => s.address().port).join("\n"));
await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
