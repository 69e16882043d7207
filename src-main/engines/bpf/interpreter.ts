/**
 * The eBPF interpreter (kernel/bpf/core.c ___bpf_prog_run): one flat switch over opcodes on pre-decoded typed
 * arrays, registers as int32 halves, every memory access bounds-checked against its region, a budget of
 * executed instructions. It runs unverified programs safely: anything invalid ends in a KernelError.
 *
 * An access resolves its region from the 64-bit address base + off, carry included, so a pointer moved below its
 * object and back in by the instruction's offset reaches the object, as on Linux.
 */
import { OUT, bswap16, bswap32, mul64, sdiv32, sdiv64, smod32, smod64, udiv32, udiv64, umod32, umod64 } from './alu64';
import { BPF_MAX_LOOPS, MAX_BPF_STACK, MAX_CALL_FRAMES } from './isa';
import { REGION_HI_BASE } from './memory';
import { CS_WORDS } from './vm';
import type { BpfExecFn } from './vm';

/** Runs the current program from `pc` until the invocation's outermost frame exits; r0 is left in regs. */
export const interpExec: BpfExecFn = (vm, R, pc, cs, depth, base) => {
  const P = vm.prog;
  const code = P.code;
  const dstA = P.dst;
  const srcA = P.src;
  const offA = P.off;
  const immA = P.imm;
  const regions = vm.space.regions;
  let left = vm.left;
  for (;;) {
    if (--left < 0) {
      vm.left = 0;
      vm.budgetFault(pc);
    }
    const c = code[pc]!;
    const d = dstA[pc]! << 1;
    switch (c) {
      // ---------------- ALU64 ----------------
      case 0x07:
      case 0x0f: {
        let bl: number, bh: number;
        if (c & 8) {
          const s = srcA[pc]! << 1;
          bl = R[s]!;
          bh = R[s + 1]!;
        } else {
          bl = immA[pc]!;
          bh = bl >> 31;
        }
        const sum = (R[d]! >>> 0) + (bl >>> 0);
        R[d] = sum | 0;
        R[d + 1] = (R[d + 1]! + bh + (sum > 0xffffffff ? 1 : 0)) | 0;
        pc++;
        break;
      }
      case 0x17:
      case 0x1f: {
        let bl: number, bh: number;
        if (c & 8) {
          const s = srcA[pc]! << 1;
          bl = R[s]!;
          bh = R[s + 1]!;
        } else {
          bl = immA[pc]!;
          bh = bl >> 31;
        }
        const al = R[d]!;
        R[d] = (al - bl) | 0;
        R[d + 1] = (R[d + 1]! - bh - (al >>> 0 < bl >>> 0 ? 1 : 0)) | 0;
        pc++;
        break;
      }
      case 0x27:
      case 0x2f: {
        let bl: number, bh: number;
        if (c & 8) {
          const s = srcA[pc]! << 1;
          bl = R[s]!;
          bh = R[s + 1]!;
        } else {
          bl = immA[pc]!;
          bh = bl >> 31;
        }
        mul64(R[d + 1]!, R[d]!, bh, bl);
        R[d] = OUT[0]!;
        R[d + 1] = OUT[1]!;
        pc++;
        break;
      }
      case 0x37:
      case 0x3f: {
        let bl: number, bh: number;
        if (c & 8) {
          const s = srcA[pc]! << 1;
          bl = R[s]!;
          bh = R[s + 1]!;
        } else {
          bl = immA[pc]!;
          bh = bl >> 31;
        }
        if (offA[pc] === 1) sdiv64(R[d + 1]!, R[d]!, bh, bl);
        else udiv64(R[d + 1]!, R[d]!, bh, bl);
        R[d] = OUT[0]!;
        R[d + 1] = OUT[1]!;
        pc++;
        break;
      }
      case 0x97:
      case 0x9f: {
        let bl: number, bh: number;
        if (c & 8) {
          const s = srcA[pc]! << 1;
          bl = R[s]!;
          bh = R[s + 1]!;
        } else {
          bl = immA[pc]!;
          bh = bl >> 31;
        }
        if (offA[pc] === 1) smod64(R[d + 1]!, R[d]!, bh, bl);
        else umod64(R[d + 1]!, R[d]!, bh, bl);
        R[d] = OUT[0]!;
        R[d + 1] = OUT[1]!;
        pc++;
        break;
      }
      case 0x47:
      case 0x4f: {
        let bl: number, bh: number;
        if (c & 8) {
          const s = srcA[pc]! << 1;
          bl = R[s]!;
          bh = R[s + 1]!;
        } else {
          bl = immA[pc]!;
          bh = bl >> 31;
        }
        R[d] = R[d]! | bl;
        R[d + 1] = R[d + 1]! | bh;
        pc++;
        break;
      }
      case 0x57:
      case 0x5f: {
        let bl: number, bh: number;
        if (c & 8) {
          const s = srcA[pc]! << 1;
          bl = R[s]!;
          bh = R[s + 1]!;
        } else {
          bl = immA[pc]!;
          bh = bl >> 31;
        }
        R[d] = R[d]! & bl;
        R[d + 1] = R[d + 1]! & bh;
        pc++;
        break;
      }
      case 0xa7:
      case 0xaf: {
        let bl: number, bh: number;
        if (c & 8) {
          const s = srcA[pc]! << 1;
          bl = R[s]!;
          bh = R[s + 1]!;
        } else {
          bl = immA[pc]!;
          bh = bl >> 31;
        }
        R[d] = R[d]! ^ bl;
        R[d + 1] = R[d + 1]! ^ bh;
        pc++;
        break;
      }
      case 0x67:
      case 0x6f: {
        const n = (c & 8 ? R[srcA[pc]! << 1]! : immA[pc]!) & 63;
        if (n >= 32) {
          R[d + 1] = R[d]! << (n - 32);
          R[d] = 0;
        } else if (n !== 0) {
          R[d + 1] = (R[d + 1]! << n) | (R[d]! >>> (32 - n));
          R[d] = R[d]! << n;
        }
        pc++;
        break;
      }
      case 0x77:
      case 0x7f: {
        const n = (c & 8 ? R[srcA[pc]! << 1]! : immA[pc]!) & 63;
        if (n >= 32) {
          R[d] = R[d + 1]! >>> (n - 32);
          R[d + 1] = 0;
        } else if (n !== 0) {
          R[d] = (R[d]! >>> n) | (R[d + 1]! << (32 - n));
          R[d + 1] = R[d + 1]! >>> n;
        }
        pc++;
        break;
      }
      case 0xc7:
      case 0xcf: {
        const n = (c & 8 ? R[srcA[pc]! << 1]! : immA[pc]!) & 63;
        if (n >= 32) {
          R[d] = R[d + 1]! >> (n - 32);
          R[d + 1] = R[d + 1]! >> 31;
        } else if (n !== 0) {
          R[d] = (R[d]! >>> n) | (R[d + 1]! << (32 - n));
          R[d + 1] = R[d + 1]! >> n;
        }
        pc++;
        break;
      }
      case 0x87: {
        const al = R[d]!;
        R[d] = -al | 0;
        R[d + 1] = (-R[d + 1]! - (al !== 0 ? 1 : 0)) | 0;
        pc++;
        break;
      }
      case 0xb7:
        R[d] = immA[pc]!;
        R[d + 1] = immA[pc]! >> 31;
        pc++;
        break;
      case 0xbf: {
        const s = srcA[pc]! << 1;
        const o = offA[pc]!;
        if (o === 0) {
          R[d] = R[s]!;
          R[d + 1] = R[s + 1]!;
        } else {
          const v = o === 8 ? (R[s]! << 24) >> 24 : o === 16 ? (R[s]! << 16) >> 16 : R[s]!;
          R[d] = v;
          R[d + 1] = v >> 31;
        }
        pc++;
        break;
      }
      case 0xd7:
      case 0xdc: {
        const w = immA[pc]!;
        if (w === 16) {
          R[d] = bswap16(R[d]! & 0xffff);
          R[d + 1] = 0;
        } else if (w === 32) {
          R[d] = bswap32(R[d]!);
          R[d + 1] = 0;
        } else {
          const lo = R[d]!;
          R[d] = bswap32(R[d + 1]!);
          R[d + 1] = bswap32(lo);
        }
        pc++;
        break;
      }
      case 0xd4: {
        const w = immA[pc]!;
        if (w === 16) {
          R[d] = R[d]! & 0xffff;
          R[d + 1] = 0;
        } else if (w === 32) {
          R[d + 1] = 0;
        }
        pc++;
        break;
      }
      // ---------------- ALU32 ----------------
      case 0x04:
      case 0x0c:
      case 0x14:
      case 0x1c:
      case 0x24:
      case 0x2c:
      case 0x34:
      case 0x3c:
      case 0x44:
      case 0x4c:
      case 0x54:
      case 0x5c:
      case 0x64:
      case 0x6c:
      case 0x74:
      case 0x7c:
      case 0x94:
      case 0x9c:
      case 0xa4:
      case 0xac:
      case 0xc4:
      case 0xcc: {
        const b = c & 8 ? R[srcA[pc]! << 1]! : immA[pc]!;
        const a = R[d]!;
        let r: number;
        switch (c & 0xf0) {
          case 0x00:
            r = (a + b) | 0;
            break;
          case 0x10:
            r = (a - b) | 0;
            break;
          case 0x20:
            r = Math.imul(a, b);
            break;
          case 0x30:
            r = offA[pc] === 1 ? sdiv32(a, b) : udiv32(a, b);
            break;
          case 0x40:
            r = a | b;
            break;
          case 0x50:
            r = a & b;
            break;
          case 0x60:
            r = a << (b & 31);
            break;
          case 0x70:
            r = a >>> (b & 31);
            break;
          case 0x90:
            r = offA[pc] === 1 ? smod32(a, b) : umod32(a, b);
            break;
          case 0xa0:
            r = a ^ b;
            break;
          default:
            r = a >> (b & 31);
            break;
        }
        R[d] = r;
        R[d + 1] = 0;
        pc++;
        break;
      }
      case 0x84:
        R[d] = -R[d]! | 0;
        R[d + 1] = 0;
        pc++;
        break;
      case 0xb4:
        R[d] = immA[pc]!;
        R[d + 1] = 0;
        pc++;
        break;
      case 0xbc: {
        const s = srcA[pc]! << 1;
        const o = offA[pc]!;
        R[d] = o === 8 ? (R[s]! << 24) >> 24 : o === 16 ? (R[s]! << 16) >> 16 : R[s]!;
        R[d + 1] = 0;
        pc++;
        break;
      }
      // ---------------- loads ----------------
      case 0x79: {
        const s = srcA[pc]! << 1;
        const hi = R[s + 1]!;
        const lo = R[s]!;
        const off = offA[pc]!;
        let o = (lo + off) | 0; // int32 math: equal to the true offset whenever that is a valid one
        let r = regions[(hi - REGION_HI_BASE) | 0];
        if (r === undefined || o < 0 || o + 8 > r.size || (lo < 0 && off > 0)) {
          r = vm.accessCarry(pc, false, hi, (lo >>> 0) + off, 8);
          o = vm.carryOff;
        }
        R[d] = r.dv.getInt32(o, true);
        R[d + 1] = r.dv.getInt32(o + 4, true);
        pc++;
        break;
      }
      case 0x61: {
        const s = srcA[pc]! << 1;
        const hi = R[s + 1]!;
        const lo = R[s]!;
        const off = offA[pc]!;
        let o = (lo + off) | 0; // int32 math: equal to the true offset whenever that is a valid one
        let r = regions[(hi - REGION_HI_BASE) | 0];
        if (r === undefined || o < 0 || o + 4 > r.size || (lo < 0 && off > 0)) {
          r = vm.accessCarry(pc, false, hi, (lo >>> 0) + off, 4);
          o = vm.carryOff;
        }
        R[d] = r.dv.getInt32(o, true);
        R[d + 1] = 0;
        pc++;
        break;
      }
      case 0x7b: {
        const hi = R[d + 1]!;
        const lo = R[d]!;
        const off = offA[pc]!;
        let o = (lo + off) | 0;
        let r = regions[(hi - REGION_HI_BASE) | 0];
        if (r === undefined || o < 0 || o + 8 > r.size || !r.writable || (lo < 0 && off > 0)) {
          r = vm.accessCarry(pc, true, hi, (lo >>> 0) + off, 8);
          o = vm.carryOff;
        }
        const s = srcA[pc]! << 1;
        r.dv.setInt32(o, R[s]!, true);
        r.dv.setInt32(o + 4, R[s + 1]!, true);
        pc++;
        break;
      }
      case 0x63: {
        const hi = R[d + 1]!;
        const lo = R[d]!;
        const off = offA[pc]!;
        let o = (lo + off) | 0;
        let r = regions[(hi - REGION_HI_BASE) | 0];
        if (r === undefined || o < 0 || o + 4 > r.size || !r.writable || (lo < 0 && off > 0)) {
          r = vm.accessCarry(pc, true, hi, (lo >>> 0) + off, 4);
          o = vm.carryOff;
        }
        r.dv.setInt32(o, R[srcA[pc]! << 1]!, true);
        pc++;
        break;
      }
      case 0x69:
      case 0x71:
      case 0x81:
      case 0x89:
      case 0x91: {
        const s = srcA[pc]! << 1;
        const hi = R[s + 1]!;
        let o = (R[s]! >>> 0) + offA[pc]!;
        const n = c === 0x81 ? 4 : c === 0x69 || c === 0x89 ? 2 : 1;
        let r = regions[(hi - REGION_HI_BASE) | 0];
        if (r === undefined || o < 0 || o + n > r.size) {
          r = vm.accessCarry(pc, false, hi, o, n);
          o = vm.carryOff;
        }
        const dv = r.dv;
        switch (c) {
          case 0x69:
            R[d] = dv.getUint16(o, true);
            R[d + 1] = 0;
            break;
          case 0x71:
            R[d] = r.u8[o]!;
            R[d + 1] = 0;
            break;
          case 0x81: {
            const v = dv.getInt32(o, true);
            R[d] = v;
            R[d + 1] = v >> 31;
            break;
          }
          case 0x89: {
            const v = dv.getInt16(o, true);
            R[d] = v;
            R[d + 1] = v >> 31;
            break;
          }
          default: {
            const v = dv.getInt8(o);
            R[d] = v;
            R[d + 1] = v >> 31;
            break;
          }
        }
        pc++;
        break;
      }
      // ---------------- stores ----------------
      case 0x62:
      case 0x6a:
      case 0x72:
      case 0x7a:
      case 0x6b:
      case 0x73: {
        const hi = R[d + 1]!;
        let o = (R[d]! >>> 0) + offA[pc]!;
        const sz = c & 0x18;
        const n = sz === 0x18 ? 8 : sz === 0 ? 4 : sz === 8 ? 2 : 1;
        let r = regions[(hi - REGION_HI_BASE) | 0];
        if (r === undefined || o < 0 || o + n > r.size || !r.writable) {
          r = vm.accessCarry(pc, true, hi, o, n);
          o = vm.carryOff;
        }
        let vl: number, vh: number;
        if (c & 1) {
          const s = srcA[pc]! << 1;
          vl = R[s]!;
          vh = R[s + 1]!;
        } else {
          vl = immA[pc]!;
          vh = vl >> 31;
        }
        const dv = r.dv;
        if (n === 8) {
          dv.setInt32(o, vl, true);
          dv.setInt32(o + 4, vh, true);
        } else if (n === 4) dv.setInt32(o, vl, true);
        else if (n === 2) dv.setInt16(o, vl, true);
        else r.u8[o] = vl;
        pc++;
        break;
      }
      case 0xc3:
      case 0xdb: {
        const hi = R[d + 1]!;
        let o = (R[d]! >>> 0) + offA[pc]!;
        const n = c === 0xdb ? 8 : 4;
        let r = regions[(hi - REGION_HI_BASE) | 0];
        if (r === undefined || o < 0 || o + n > r.size || !r.writable) {
          r = vm.accessCarry(pc, true, hi, o, n);
          o = vm.carryOff;
        }
        const s = srcA[pc]! << 1;
        const dv = r.dv;
        const op = immA[pc]!;
        const ol = dv.getInt32(o, true);
        const oh = n === 8 ? dv.getInt32(o + 4, true) : 0;
        let nl = ol;
        let nh = oh;
        const bl = R[s]!;
        const bh = R[s + 1]!;
        switch (op & 0xf0) {
          case 0x00: {
            const sum = (ol >>> 0) + (bl >>> 0);
            nl = sum | 0;
            nh = (oh + bh + (sum > 0xffffffff ? 1 : 0)) | 0;
            break;
          }
          case 0x40:
            nl = ol | bl;
            nh = oh | bh;
            break;
          case 0x50:
            nl = ol & bl;
            nh = oh & bh;
            break;
          case 0xa0:
            nl = ol ^ bl;
            nh = oh ^ bh;
            break;
          case 0xe0:
            nl = bl;
            nh = bh;
            break;
          default: {
            // cmpxchg: compare with r0 (its low 32 bits for the 32-bit form)
            const eq = n === 8 ? R[0] === ol && R[1] === oh : R[0] === ol;
            if (eq) {
              nl = bl;
              nh = bh;
            }
            R[0] = ol;
            R[1] = oh;
          }
        }
        dv.setInt32(o, nl, true);
        if (n === 8) dv.setInt32(o + 4, nh, true);
        if (op & 1 && op !== 0xf1) {
          R[s] = ol;
          R[s + 1] = oh;
        }
        pc++;
        break;
      }
      case 0x18:
        R[d] = P.lo64[pc]!;
        R[d + 1] = P.hi64[pc]!;
        pc += 2;
        break;
      // ---------------- jumps ----------------
      case 0x05:
        pc += offA[pc]! + 1;
        break;
      case 0x06:
        pc += immA[pc]! + 1;
        break;
      case 0xe5: {
        // may_goto: jump when the frame's counter is exhausted, else count down.
        const f = base + depth;
        if (vm.mayGoto[f] === 0) pc += offA[pc]! + 1;
        else {
          vm.mayGoto[f] = vm.mayGoto[f]! - 1;
          pc++;
        }
        break;
      }
      case 0x15:
      case 0x1d:
      case 0x25:
      case 0x2d:
      case 0x35:
      case 0x3d:
      case 0x45:
      case 0x4d:
      case 0x55:
      case 0x5d:
      case 0x65:
      case 0x6d:
      case 0x75:
      case 0x7d:
      case 0xa5:
      case 0xad:
      case 0xb5:
      case 0xbd:
      case 0xc5:
      case 0xcd:
      case 0xd5:
      case 0xdd: {
        let bl: number, bh: number;
        if (c & 8) {
          const s = srcA[pc]! << 1;
          bl = R[s]!;
          bh = R[s + 1]!;
        } else {
          bl = immA[pc]!;
          bh = bl >> 31;
        }
        const al = R[d]!;
        const ah = R[d + 1]!;
        let t: boolean;
        switch (c & 0xf0) {
          case 0x10:
            t = al === bl && ah === bh;
            break;
          case 0x50:
            t = al !== bl || ah !== bh;
            break;
          case 0x40:
            t = ((al & bl) | (ah & bh)) !== 0;
            break;
          case 0x20:
            t = ah === bh ? al >>> 0 > bl >>> 0 : ah >>> 0 > bh >>> 0;
            break;
          case 0x30:
            t = ah === bh ? al >>> 0 >= bl >>> 0 : ah >>> 0 > bh >>> 0;
            break;
          case 0xa0:
            t = ah === bh ? al >>> 0 < bl >>> 0 : ah >>> 0 < bh >>> 0;
            break;
          case 0xb0:
            t = ah === bh ? al >>> 0 <= bl >>> 0 : ah >>> 0 < bh >>> 0;
            break;
          case 0x60:
            t = ah === bh ? al >>> 0 > bl >>> 0 : ah > bh;
            break;
          case 0x70:
            t = ah === bh ? al >>> 0 >= bl >>> 0 : ah > bh;
            break;
          case 0xc0:
            t = ah === bh ? al >>> 0 < bl >>> 0 : ah < bh;
            break;
          default:
            t = ah === bh ? al >>> 0 <= bl >>> 0 : ah < bh;
            break;
        }
        pc += t ? offA[pc]! + 1 : 1;
        break;
      }
      case 0x16:
      case 0x1e:
      case 0x26:
      case 0x2e:
      case 0x36:
      case 0x3e:
      case 0x46:
      case 0x4e:
      case 0x56:
      case 0x5e:
      case 0x66:
      case 0x6e:
      case 0x76:
      case 0x7e:
      case 0xa6:
      case 0xae:
      case 0xb6:
      case 0xbe:
      case 0xc6:
      case 0xce:
      case 0xd6:
      case 0xde: {
        const b = c & 8 ? R[srcA[pc]! << 1]! : immA[pc]!;
        const a = R[d]!;
        let t: boolean;
        switch (c & 0xf0) {
          case 0x10:
            t = a === b;
            break;
          case 0x50:
            t = a !== b;
            break;
          case 0x40:
            t = (a & b) !== 0;
            break;
          case 0x20:
            t = a >>> 0 > b >>> 0;
            break;
          case 0x30:
            t = a >>> 0 >= b >>> 0;
            break;
          case 0xa0:
            t = a >>> 0 < b >>> 0;
            break;
          case 0xb0:
            t = a >>> 0 <= b >>> 0;
            break;
          case 0x60:
            t = a > b;
            break;
          case 0x70:
            t = a >= b;
            break;
          case 0xc0:
            t = a < b;
            break;
          default:
            t = a <= b;
            break;
        }
        pc += t ? offA[pc]! + 1 : 1;
        break;
      }
      case 0x85: {
        const s = srcA[pc]!;
        if (s === 1) {
          const frame = base + depth + 1;
          if (frame >= MAX_CALL_FRAMES) vm.callDepthFault(pc, frame + 1);
          const p = depth * CS_WORDS;
          cs[p] = pc + 1;
          for (let k = 0; k < 8; k++) cs[p + 1 + k] = R[12 + k]!;
          depth++;
          R[20] = MAX_BPF_STACK;
          R[21] = vm.fpHi(frame);
          vm.mayGoto[frame] = BPF_MAX_LOOPS;
          pc += immA[pc]! + 1;
          break;
        }
        vm.left = left;
        if (s === 0) vm.callHelper(pc, immA[pc]!, R);
        else vm.callKfunc(pc, immA[pc]!, R);
        left = vm.left;
        pc++;
        break;
      }
      case 0x8d:
        vm.left = left;
        vm.callx(pc, R[d + 1]!, R[d]!, R);
        left = vm.left;
        pc++;
        break;
      case 0x20:
      case 0x28:
      case 0x30:
      case 0x40:
      case 0x48:
      case 0x50: {
        // BPF_LD_[ABS|IND]: r0 = the packet's bytes; r1..r5 clobbered as by a helper call.
        const v = vm.ldAbs(c, R[13]!, R[12]!, R[srcA[pc]! << 1]!, immA[pc]!);
        if (vm.poison) vm.poisonRegs(R, 1, 5);
        R[0] = v < 0 ? 0 : v | 0;
        R[1] = 0;
        if (v >= 0) {
          pc++;
          break;
        }
        // Outside the packet gen_ld_abs() exits with r0 = 0 (as BPF_EXIT below).
        if (depth === 0) {
          vm.left = left;
          return;
        }
        depth--;
        const p = depth * CS_WORDS;
        pc = cs[p]!;
        for (let k = 0; k < 8; k++) R[12 + k] = cs[p + 1 + k]!;
        R[20] = MAX_BPF_STACK;
        R[21] = vm.fpHi(base + depth);
        break;
      }
      case 0x95: {
        if (depth === 0) {
          vm.left = left;
          return;
        }
        depth--;
        const p = depth * CS_WORDS;
        pc = cs[p]!;
        for (let k = 0; k < 8; k++) R[12 + k] = cs[p + 1 + k]!;
        R[20] = MAX_BPF_STACK;
        R[21] = vm.fpHi(base + depth);
        break;
      }
      default:
        // Only reachable for an instruction array that skipped bpfCheckInsns().
        throw new Error(`interpreter: unknown opcode 0x${c.toString(16)} at insn ${pc}`);
    }
  }
};
