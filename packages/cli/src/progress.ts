import type { Writable } from 'node:stream';
import { bytes } from './format.js';

const WIDTH = 30;

/**
 * A one-line progress bar on stderr for reading a file of known size: redrawn in place
 * (carriage return) at most every 100 ms, finished with a newline.
 */
export class ProgressBar {
  #done = 0;
  #lastDrawMs = 0;

  constructor(
    private readonly out: Writable,
    private readonly total: number,
    private readonly label: string,
  ) {}

  /** Counts `n` more bytes done and redraws if it is time. */
  advance(n: number): void {
    this.#done += n;
    const now = Date.now();
    if (now - this.#lastDrawMs >= 100) {
      this.#lastDrawMs = now;
      this.#draw();
    }
  }

  /** Draws the final state and ends the line. */
  finish(): void {
    this.#draw();
    this.out.write('\n');
  }

  #draw(): void {
    const fraction = this.total > 0 ? Math.min(1, this.#done / this.total) : 1;
    const filled = Math.round(fraction * WIDTH);
    const bar = `${'#'.repeat(filled)}${'-'.repeat(WIDTH - filled)}`;
    const percent = `${Math.floor(fraction * 100)}`.padStart(3);
    this.out.write(`\r${this.label} [${bar}] ${percent}% ${bytes(this.#done)} of ${bytes(this.total)}`);
  }
}
