import { basePod, withFields } from './fixtures.js';
import { invariantTables } from './table.js';

const pod = (fields: Parameters<typeof withFields>[1]) => withFields(basePod(), fields);

invariantTables('ZT-POD-001', {
  violating: [
    { name: 'the shared default ServiceAccount', object: pod({ 'spec.serviceAccountName': 'default' }), paths: ['spec.serviceAccountName'] },
    { name: 'no ServiceAccount at all', object: pod({ 'spec.serviceAccountName': undefined }), paths: ['spec.serviceAccountName'] },
    { name: 'an empty ServiceAccount name', object: pod({ 'spec.serviceAccountName': '' }), paths: ['spec.serviceAccountName'] },
    {
      name: 'default through the deprecated serviceAccount field',
      object: pod({ 'spec.serviceAccountName': undefined, 'spec.serviceAccount': 'default' }),
      paths: ['spec.serviceAccountName'],
    },
  ],
  conforming: [
    { name: 'a dedicated ServiceAccount', object: basePod() },
    { name: 'a name that merely contains default', object: pod({ 'spec.serviceAccountName': 'default-reader' }) },
    {
      name: 'a dedicated account through the deprecated field',
      object: pod({ 'spec.serviceAccountName': undefined, 'spec.serviceAccount': 'api' }),
    },
  ],
  controllers: [{ name: 'the default ServiceAccount', object: pod({ 'spec.serviceAccountName': 'default' }), path: 'spec.serviceAccountName' }],
});
