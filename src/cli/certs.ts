import { resolve } from 'node:path';
import {
  CERT_FILE_NAMES,
  CLIENT_FILE_NAMES,
  LOOPBACK_HOSTS,
  generateCertificates,
  writeCertificateFiles,
  writeClientCertificate,
} from '../tls/dev-certs.js';
import { parseHosts, serviceHosts } from '../tls/hosts.js';
import { inspectCertificate } from '../tls/inspect.js';
import { parseFlags } from './args.js';
import { UsageError, type Command } from './command.js';

const HELP = `Usage: ztgate certs --out DIR [--host NAME]... [--service NAME [--namespace NS]] [--days N] [--client NAME]

Writes a new CA and a serving certificate signed by it into DIR:
  ca.crt    the CA certificate (put it in the webhook caBundle, or pass it to \`ztgate manifests --ca-file\`)
  tls.crt   the serving certificate
  tls.key   its private key (mode 0600)
Existing files are replaced. The certificate names every --host (DNS name or IP address) plus
${LOOPBACK_HOSTS.join(', ')}.

Options:
  --out DIR          directory to write to (created if missing)
  --host NAME        a DNS name or IP address the server is reached by; repeatable
  --service NAME     add the in-cluster names of Service NAME (NAME, NAME.NS, NAME.NS.svc, NAME.NS.svc.cluster.local)
  --namespace NS     the Service's namespace (default ztgate-system)
  --days N           serving certificate lifetime in days (default 365; the CA lives ten times longer)
  --client NAME      also write client.crt and client.key, a client certificate with CN NAME signed by the
                     same CA, for the API server to present when ztgate verifies client certificates

Examples:
  ztgate certs --out certs --host 127.0.0.1
  ztgate certs --out /tmp/ztgate --service ztgate --namespace ztgate-system
  ztgate certs --out certs --host 127.0.0.1 --client kube-apiserver
`;

function flags(args: string[]) {
  return parseFlags(args, {
    out: { type: 'string' },
    host: { type: 'string', multiple: true },
    service: { type: 'string' },
    namespace: { type: 'string' },
    days: { type: 'string' },
    client: { type: 'string' },
  }).values;
}

export const certsCommand: Command = {
  name: 'certs',
  summary: 'Write a CA and a serving certificate for ztgate (ca.crt, tls.crt, tls.key)',
  help: HELP,
  async run(args, io) {
    const values = flags(args);
    if (!values.out) throw new UsageError('ztgate certs: --out DIR is required');
    const days = values.days === undefined ? 365 : Number(values.days);
    if (!Number.isInteger(days) || days < 1 || days > 3650) {
      throw new UsageError(`ztgate certs: --days must be a whole number from 1 to 3650, got ${JSON.stringify(values.days)}`);
    }
    if (values.namespace && !values.service) throw new UsageError('ztgate certs: --namespace only applies with --service');
    const hosts = [...(values.host ?? [])];
    if (values.service) hosts.push(...serviceHosts(values.service, values.namespace ?? 'ztgate-system'));
    try {
      parseHosts(hosts);
    } catch (error) {
      throw new UsageError(`ztgate certs: ${(error as Error).message}`);
    }
    if (values.client !== undefined && values.client.trim() === '') throw new UsageError('ztgate certs: --client needs a name');
    const dir = resolve(io.cwd, values.out);
    const files = generateCertificates(hosts, { validityDays: days });
    writeCertificateFiles(dir, files);
    const written: string[] = Object.values(CERT_FILE_NAMES);
    if (values.client !== undefined) {
      writeClientCertificate(dir, files, values.client, days);
      written.push(...Object.values(CLIENT_FILE_NAMES));
    }
    const leaf = inspectCertificate(files.certPem);
    const names = [...leaf.dnsNames.map((name) => `DNS:${name}`), ...leaf.ipAddresses.map((ip) => `IP:${ip}`)];
    io.stdout.write(
      `wrote ${written.join(', ')} to ${dir}\n` +
        `serving certificate for ${names.join(', ')}\n` +
        `valid until ${leaf.notAfter.toISOString()}\n`,
    );
    return 0;
  },
};
