import { connect, type Socket } from 'node:net';
import {
  API_MESSAGES,
  decodeMessage,
  encodeMessage,
  encodeRequestHeader,
  FrameSplitter,
  type KafkaStruct,
  Reader,
  responseHeaderVersion,
  Writer,
} from '@fjord/kafka-protocol';

/**
 * One Kafka connection sending requests encoded by @fjord/kafka-protocol, one at a time: for
 * versions and fields no client library here sends.
 */
export class RawKafka {
  readonly #socket: Socket;
  readonly #splitter = new FrameSplitter();
  readonly #frames: Buffer[] = [];
  #waiting: (() => void) | undefined;
  #correlationId = 0;

  private constructor(socket: Socket) {
    this.#socket = socket;
    socket.on('data', (chunk) => {
      this.#frames.push(...this.#splitter.push(chunk));
      this.#waiting?.();
    });
  }

  static open(port: number): Promise<RawKafka> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => resolve(new RawKafka(socket)));
      socket.once('error', reject);
    });
  }

  async request(apiKey: number, apiVersion: number, body: KafkaStruct): Promise<KafkaStruct> {
    const messages = API_MESSAGES.get(apiKey)!;
    const correlationId = ++this.#correlationId;
    const writer = new Writer();
    encodeRequestHeader({ apiKey, apiVersion, correlationId, clientId: 'raw-kafka-test' }, writer);
    encodeMessage(messages.request, apiVersion, body, writer);
    const payload = writer.toBuffer();
    const size = Buffer.alloc(4);
    size.writeInt32BE(payload.length, 0);
    this.#socket.write(Buffer.concat([size, payload]));
    const frame = await this.#nextFrame();
    const reader = new Reader(frame);
    const answered = reader.int32();
    if (answered !== correlationId) throw new Error(`response to ${answered}, expected ${correlationId}`);
    // Flexible response headers end with a tagged-field section; the listener sends none.
    if (responseHeaderVersion(apiKey, apiVersion) >= 1 && reader.uvarint() !== 0) {
      throw new Error('unexpected tagged fields in the response header');
    }
    return decodeMessage(messages.response, apiVersion, reader);
  }

  close(): void {
    this.#socket.destroy();
  }

  async #nextFrame(): Promise<Buffer> {
    const deadline = Date.now() + 30_000;
    while (this.#frames.length === 0) {
      if (Date.now() > deadline) throw new Error('no response within 30 s');
      await new Promise<void>((resolve) => {
        this.#waiting = resolve;
        setTimeout(resolve, 100);
      });
    }
    return this.#frames.shift()!;
  }
}
