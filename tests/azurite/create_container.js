// Creates a blob container in a local Azurite emulator: object_store cannot create containers,
// so the tests call the Blob service's Create Container operation directly, signed with Shared
// Key under Azurite's published development account (devstoreaccount1). Node built-ins only.
//
//   node tests/azurite/create_container.js <blob endpoint, e.g. http://127.0.0.1:10000> <container>
//
// Exits 0 when the container exists afterwards (created now, or already there).
'use strict';
const crypto = require('crypto');
const http = require('http');

const ACCOUNT = 'devstoreaccount1';
// Azurite's well-known development key, published in its documentation; not a secret.
const KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';
const VERSION = '2021-08-06';

const [endpoint, container] = process.argv.slice(2);
if (!endpoint || !container) {
  console.error('usage: create_container.js <blob endpoint> <container>');
  process.exit(2);
}
const url = new URL(`${endpoint.replace(/\/$/, '')}/${ACCOUNT}/${container}?restype=container`);
const date = new Date().toUTCString();
// Shared Key string to sign: verb, eleven standard headers (all empty here, Content-Length is
// empty when zero), canonicalised x-ms-* headers, then the canonicalised resource.
const stringToSign = ['PUT', '', '', '', '', '', '', '', '', '', '', '', `x-ms-date:${date}`, `x-ms-version:${VERSION}`, `/${ACCOUNT}${url.pathname}`, 'restype:container'].join('\n');
const signature = crypto.createHmac('sha256', Buffer.from(KEY, 'base64')).update(stringToSign, 'utf8').digest('base64');

const req = http.request(url, { method: 'PUT', headers: { 'x-ms-date': date, 'x-ms-version': VERSION, 'Content-Length': 0, Authorization: `SharedKey ${ACCOUNT}:${signature}` } }, (res) => {
  let body = '';
  res.on('data', (chunk) => (body += chunk));
  res.on('end', () => {
    if (res.statusCode === 201 || (res.statusCode === 409 && body.includes('ContainerAlreadyExists'))) {
      process.exit(0);
    }
    console.error(`create container ${container}: HTTP ${res.statusCode} ${body}`);
    process.exit(1);
  });
});
req.on('error', (e) => {
  console.error(`create container ${container}: ${e.message}`);
  process.exit(1);
});
req.end();
