// ltx 3 (devDependency) ships no types: the SAX-style parser the generator can use.
declare module 'ltx/src/parsers/ltx.js' {
  import type { EventEmitter } from 'node:events';

  export default class LtxParser extends EventEmitter {
    write(data: string): void;
    end(data?: string): void;
    on(event: 'startElement', l: (name: string, attrs: Record<string, string>) => void): this;
    on(event: 'endElement', l: (name: string) => void): this;
    on(event: 'text', l: (text: string) => void): this;
    on(event: 'error', l: (err: Error) => void): this;
  }
}
