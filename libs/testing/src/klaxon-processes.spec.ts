import { PassThrough } from 'node:stream';
import { collectLines } from './klaxon-processes';

describe('collectLines', () => {
  const collect = async (chunks: (string | Buffer)[]) => {
    const stream = new PassThrough();
    const output: string[] = [];
    collectLines(stream, output);
    for (const chunk of chunks) stream.write(chunk);
    stream.end();
    await new Promise((resolve) => stream.on('end', resolve));
    return output;
  };

  it('joins a line split across chunks', async () => {
    const line = JSON.stringify({ level: 30, msg: 'klaxon api listening', port: 3000 });
    expect(await collect([`${line.slice(0, 10)}`, `${line.slice(10, 20)}`, `${line.slice(20)}\n{"msg":"next"}\n`])).toEqual([line, '{"msg":"next"}']);
  });

  it('keeps a last line without a newline, and drops empty lines and \\r', async () => {
    expect(await collect(['one\r\n\n', 'two\nthr', 'ee'])).toEqual(['one', 'two', 'three']);
  });

  it('decodes a character split across chunks', async () => {
    const bytes = Buffer.from('告警 ok\n');
    expect(await collect([bytes.subarray(0, 1), bytes.subarray(1, 4), bytes.subarray(4)])).toEqual(['告警 ok']);
  });
});
