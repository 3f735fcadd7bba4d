import type { KubeConfig } from '@kubernetes/client-node';
import type { NamespaceSource } from '../facts/types.js';
import type { Logger } from '../log/logger.js';
import { ListWatchCache, type InformerTiming } from './list-watch.js';

export { DEFAULT_INFORMER_TIMING, type InformerTiming } from './list-watch.js';

/** Namespace facts (labels decide protection and the mesh), from a list and watch of the API server. */
export class InformerNamespaceSource extends ListWatchCache implements NamespaceSource {
  constructor(kubeConfig: KubeConfig, logger: Logger, options: Partial<InformerTiming> & { now?: () => number } = {}) {
    super(kubeConfig, logger, { path: '/api/v1/namespaces', singular: 'namespace', plural: 'namespaces' }, options);
  }
}
