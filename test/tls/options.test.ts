import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { after, describe, test } from 'node:test';
import { memoryCertificateSource } from '../../src/tls/memory-source.js';
import { attachCertificateSource, tlsServerOptions } from '../../src/tls/options.js';
import { issueClientCertificate } from '../../src/tls/pki.js';
import { get, listen, type Running } from './https.js';
import { scratchDir, testCa, testLeaf, writePems } from './helpers.js';

const dir = scratchDir('options');
const now = new Date();
const serverCa = testCa('server CA', now);
const clientCa = testCa('client CA', now);
const strangerCa = testCa('stranger CA', now);
const client = issueClientCertificate({ ca: clientCa, commonName: 'kube-apiserver', validityDays: 30, now });
const stranger = issueClientCertificate({ ca: strangerCa, commonName: 'kube-apiserver', validityDays: 30, now });
const paths = writePems(dir, { 'client-ca.crt': clientCa.certPem, 'garbage.crt': 'not a certificate' });
const fingerprint = (pem: string) => new X509Certificate(pem).fingerprint256;

const running: Running[] = [];
after(async () => {
  for (const server of running) await server.close();
});

function serve(options: Parameters<typeof listen>[0]): Promise<Running> {
  return listen(options).then((server) => {
    running.push(server);
    return server;
  });
}

describe('tlsServerOptions without a client CA', () => {
  const leaf = testLeaf(serverCa, ['127.0.0.1'], now);
  const source = memoryCertificateSource({ cert: leaf.certPem, key: leaf.keyPem });

  test('serves the source certificate, TLS 1.2 at least, asks no client certificate', () => {
    const options = tlsServerOptions(source);
    assert.equal(options.cert, leaf.certPem);
    assert.equal(options.key, leaf.keyPem);
    assert.equal(options.minVersion, 'TLSv1.2');
    assert.equal(options.requestCert, undefined);
    assert.equal(options.ca, undefined);
  });

  test('a TLS 1.1 client is refused, a TLS 1.2 client served', async () => {
    const { port } = await serve(tlsServerOptions(source));
    const ok = await get(port, { ca: serverCa.certPem, maxVersion: 'TLSv1.2' });
    assert.equal(ok.body, 'ok');
    assert.equal(ok.socket.getProtocol(), 'TLSv1.2');
    // SECLEVEL=0 lets this client offer TLS 1.1 at all, so the refusal is the server's.
    await assert.rejects(
      get(port, { ca: serverCa.certPem, minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' }),
      /protocol version|unsupported protocol|wrong version/i,
    );
  });
});

describe('tlsServerOptions with a client CA', () => {
  const leaf = testLeaf(serverCa, ['127.0.0.1'], now);
  const source = memoryCertificateSource({ cert: leaf.certPem, key: leaf.keyPem });

  test('requires and verifies a client certificate', () => {
    const options = tlsServerOptions(source, { clientCaFile: paths['client-ca.crt']! });
    assert.equal(options.requestCert, true);
    assert.equal(options.rejectUnauthorized, true);
    assert.equal(options.ca, clientCa.certPem);
  });

  test('only a client holding a certificate from that CA gets an answer', async () => {
    const { port } = await serve(tlsServerOptions(source, { clientCaFile: paths['client-ca.crt']! }));
    assert.equal((await get(port, { ca: serverCa.certPem, cert: client.certPem, key: client.keyPem })).body, 'ok');
    await assert.rejects(get(port, { ca: serverCa.certPem }), 'no client certificate');
    await assert.rejects(get(port, { ca: serverCa.certPem, cert: stranger.certPem, key: stranger.keyPem }), 'a certificate from another CA');
  });

  test('attachCertificateSource swaps the certificate and keeps client verification', async () => {
    const swapping = memoryCertificateSource({ cert: leaf.certPem, key: leaf.keyPem });
    const { server, port } = await serve(tlsServerOptions(swapping, { clientCaFile: paths['client-ca.crt']! }));
    const detach = attachCertificateSource(server, swapping, { clientCaFile: paths['client-ca.crt']! });
    const next = testLeaf(serverCa, ['127.0.0.1'], now);
    swapping.set({ cert: next.certPem, key: next.keyPem });
    const answer = await get(port, { ca: serverCa.certPem, cert: client.certPem, key: client.keyPem });
    assert.equal(answer.peer, fingerprint(next.certPem), 'the new certificate is served');
    await assert.rejects(get(port, { ca: serverCa.certPem }), 'still no entry without a client certificate');
    await assert.rejects(get(port, { ca: serverCa.certPem, cert: stranger.certPem, key: stranger.keyPem }));
    detach();
    swapping.set({ cert: leaf.certPem, key: leaf.keyPem });
    const afterDetach = await get(port, { ca: serverCa.certPem, cert: client.certPem, key: client.keyPem });
    assert.equal(afterDetach.peer, fingerprint(next.certPem), 'a detached server no longer follows the source');
  });

  test('why the helper exists: setSecureContext({cert, key}) alone loses the client CA', async () => {
    const { server, port } = await serve(tlsServerOptions(source, { clientCaFile: paths['client-ca.crt']! }));
    server.setSecureContext({ cert: leaf.certPem, key: leaf.keyPem });
    await assert.rejects(get(port, { ca: serverCa.certPem, cert: client.certPem, key: client.keyPem }), 'the legitimate client is now refused');
  });

  const broken: [string, string, RegExp][] = [
    ['a missing file', `${dir}/nope.crt`, /cannot read client CA file .*nope\.crt: ENOENT/],
    ['a file without certificates', `${dir}/garbage.crt`, /client CA file .*garbage\.crt holds no PEM certificate/],
  ];
  for (const [what, file, message] of broken) {
    test(`a client CA file that is ${what} is an error naming it`, () => {
      assert.throws(() => tlsServerOptions(source, { clientCaFile: file }), message);
    });
  }
});
