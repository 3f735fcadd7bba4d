import type { Command } from './command.js';

export interface CommandEntry {
  name: string;
  summary: string;
  /** Loaded on use, so `ztgate review` never pays for the server's and Kubernetes client's imports. */
  load: () => Promise<Command>;
}

export const COMMANDS: readonly CommandEntry[] = [
  { name: 'serve', summary: 'Serve the admission webhook over HTTPS', load: async () => (await import('./serve.js')).serveCommand },
  { name: 'review', summary: 'Answer one AdmissionReview offline, exactly as the server would', load: async () => (await import('./review.js')).reviewCommand },
];
