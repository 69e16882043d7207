// The smallest BPF program: r0 = 42; exit. Loaded, run and disassembled (see the BPF panel).
const k = boot();
const prog = k.bpf.prog_load({ asm: 'r0 = 42\nexit', prog_name: 'answer', verify: false });
const res = prog.run();
print('retval', res.retval, 'after', res.insns, 'instructions');
print(prog.disasm());
lab.result({ retval: res.retval.toString(), insns: res.insns });
