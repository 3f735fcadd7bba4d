import { basePod, withFields } from './fixtures.js';
import { invariantTables } from './table.js';

const pod = (fields: Parameters<typeof withFields>[1]) => withFields(basePod(), fields);

invariantTables('ZT-POD-002', {
  violating: [
    { name: 'hostNetwork', object: pod({ 'spec.hostNetwork': true }), paths: ['spec.hostNetwork'] },
    { name: 'hostPID', object: pod({ 'spec.hostPID': true }), paths: ['spec.hostPID'] },
    { name: 'hostIPC', object: pod({ 'spec.hostIPC': true }), paths: ['spec.hostIPC'] },
    {
      name: 'all three at once, each reported',
      object: pod({ 'spec.hostIPC': true, 'spec.hostNetwork': true, 'spec.hostPID': true }),
      paths: ['spec.hostNetwork', 'spec.hostPID', 'spec.hostIPC'],
    },
  ],
  conforming: [
    { name: 'no host namespace fields', object: basePod() },
    { name: 'all three explicitly false', object: pod({ 'spec.hostNetwork': false, 'spec.hostPID': false, 'spec.hostIPC': false }) },
    { name: 'a shared process namespace inside the Pod', object: pod({ 'spec.shareProcessNamespace': true }) },
  ],
  controllers: [
    { name: 'hostNetwork', object: pod({ 'spec.hostNetwork': true }), path: 'spec.hostNetwork' },
    { name: 'hostPID', object: pod({ 'spec.hostPID': true }), path: 'spec.hostPID' },
  ],
});
