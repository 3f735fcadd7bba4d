import type { Command } from './command.js';
import { reviewCommand } from './review.js';
import { serveCommand } from './serve.js';

export const COMMANDS: readonly Command[] = [serveCommand, reviewCommand];
