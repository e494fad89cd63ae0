// A Chromium participant for the aiortc tests: joins the room given on the command line, then
// prints once a second, as one JSON line, what it receives from each remote tile.
// Usage: node browser_peer.js ROOM_URL NAME SECONDS
'use strict';
const path = require('node:path');
const lib = path.join(__dirname, '..', 'lib');
const { launch } = require(path.join(lib, 'browser.js'));
const { instrument, joinRoom, flow } = require(path.join(lib, 'media.js'));

(async () => {
  const [url, name, seconds] = process.argv.slice(2);
  const context = await launch({ viewport: { width: 800, height: 600 } });
  try {
    await instrument(context);
    const page = await context.newPage();
    await joinRoom(page, url, name);
    console.log(JSON.stringify({ joined: true }));
    const end = Date.now() + Number(seconds) * 1000;
    while (Date.now() < end) console.log(JSON.stringify({ flow: await flow(page, 1000) }));
  } finally {
    await context.close();
  }
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
