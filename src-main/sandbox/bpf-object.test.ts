import { describe, expect, it } from 'vitest';
import { RunRequestSchema } from '../contract';
import { BPF_OBJECT_FIXTURES } from '../engines/bpf/fixtures/objects';
import { runInSandbox } from './sandbox';

/** Runs a script, returning its stdout and stderr. */
async function run(code: string): Promise<{ out: string; err: string; ok: boolean }> {
  const chunks: { stream: string; text: string }[] = [];
  const outcome = await runInSandbox(RunRequestSchema.parse({ code, filename: 'obj.js' }), {
    output: (stream, text) => chunks.push({ stream, text }),
    progress: () => {},
  });
  const join = (s: string): string =>
    chunks
      .filter((c) => c.stream === s)
      .map((c) => c.text)
      .join('');
  return { out: join('stdout'), err: join('stderr'), ok: outcome.ok };
}

/** A script line that makes the fixture's bytes (base64 decoded in the sandbox). */
const bytesOf = (name: string): string =>
  `const B = ${JSON.stringify(BPF_OBJECT_FIXTURES[name])}; const A = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
   const s = B.replace(/=+$/, ''); const bytes = new Uint8Array(Math.floor(s.length * 3 / 4)); let acc = 0, bits = 0, o = 0;
   for (const c of s) { acc = (acc << 6) | A.indexOf(c); bits += 6; if (bits >= 8) { bits -= 8; bytes[o++] = (acc >> bits) & 255; } }`;

describe('k.bpf.obj_open in the sandbox', () => {
  it('opens an object, lists programs and maps, loads and runs it', async () => {
    const r = await run(`${bytesOf('sum_for')}
      const k = boot();
      const obj = k.bpf.obj_open(bytes, { name: 'sum_for.bpf.o' });
      print(obj.name, obj.license, obj.progs.map((p) => p.name + ':' + p.prog_type).join(), obj.maps.map((m) => m.name).join());
      const { progs, maps } = obj.load();
      print(progs.sum_for.run(new Uint8Array(96)).retval, maps['sum_for.bss'].lookup(0)[0], progs.sum_for.source[0].text);`);
    expect(r.err).toBe('');
    expect(r.out).toBe(
      'sum_for GPL sum_for:BPF_PROG_TYPE_RAW_TRACEPOINT sum_for.data,sum_for.bss\n1n 86 int sum_for(void *ctx)\n',
    );
  });

  it('gives a script a KernelError for a bad object and for a rejected program', async () => {
    const r = await run(`${bytesOf('oob_for')}
      const k = boot();
      try { k.bpf.obj_open(bytes.subarray(0, 100)); } catch (e) { print(e.errno, e.message); }
      try { k.bpf.obj_open(bytes).load(); } catch (e) { print(e.errno, e.message); }`);
    expect(r.err).toBe('');
    expect(r.out.split('\n')[0]).toMatch(
      /^EINVAL elf: ELF header at offset 0x28: section headers at 0x[0-9a-f]+ are past the end of the file \(100 bytes\)$/,
    );
    expect(r.out.split('\n')[1]).toBe(
      "EACCES prog 'oob_for': BPF program load failed: invalid access to map value, value_size=32 off=36 size=4",
    );
  });

  it('chooses the programs to load with set_autoload, and progs shows the choice', async () => {
    const r = await run(`${bytesOf('autoload')}
      const k = boot();
      const obj = k.bpf.obj_open(bytes, { name: 'autoload.bpf.o' });
      print(obj.progs.map((p) => p.name + ':' + p.autoload).join());
      for (const p of obj.progs) obj.set_autoload(p.name, p.name === 'opt');
      print(obj.progs.map((p) => p.name + ':' + p.autoload).join());
      const { progs } = obj.load();
      print(Object.keys(progs).join(), progs.opt.run().retval);
      try { obj.set_autoload('good', true); } catch (e) { print(e.errno); }`);
    expect(r.err).toBe('');
    expect(r.out).toBe(
      'good:true,bad:true,opt:false,probe:true\ngood:false,bad:false,opt:true,probe:false\nopt 8n\nEINVAL\n',
    );
  });
});
