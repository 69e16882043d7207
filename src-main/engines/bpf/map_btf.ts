/**
 * The model kernel build's layouts of the structs a map_ptr load reads (kernel/bpf/verifier.c
 * check_ptr_to_map_access(), kernel/bpf/btf.c btf_struct_access() / btf_struct_walk(), Linux 6.18): struct
 * bpf_map and the map types' own structs (map_btf_id: bpf_array for ARRAY and PERCPU_ARRAY, bpf_htab for HASH
 * and LRU_HASH, bpf_ringbuf_map for RINGBUF). The layouts are those of a 6.18 x86-64 build (emitted from its
 * BTF by src-main/oracle/btf-layout.ts; map_btf.test.ts compares them with the running kernel's). They are part
 * of the model's vmlinux BTF (vmlinux_btf.ts) but kept as layouts, not type ids: no id of them is ever shown.
 */
import type { BpfMapTypeName } from './maps';

/** A member's type with modifiers and typedefs skipped: what btf_struct_walk() looks at. */
export type LayoutType =
  | { k: 'void' }
  | { k: 'int'; size: number }
  | { k: 'ptr'; to: string | null }
  | { k: 'array'; elem: LayoutType; nelems: number }
  | { k: 'struct'; s: LayoutStruct };
export interface LayoutMember {
  name: string;
  bitOff: number;
  bits?: number;
  type: LayoutType;
}
export interface LayoutStruct {
  name: string;
  union: boolean;
  size: number;
  members: LayoutMember[];
}

/** The structs of the 6.18 x86-64 build, by name. */
export const MAP_STRUCTS: Readonly<Record<string, LayoutStruct>> = {
  bpf_array: {
    name: 'bpf_array',
    union: false,
    size: 312,
    members: [
      {
        name: 'map',
        bitOff: 0,
        type: {
          k: 'struct',
          s: {
            name: 'bpf_map',
            union: false,
            size: 296,
            members: [
              { name: 'sha', bitOff: 0, type: { k: 'array', elem: { k: 'int', size: 1 }, nelems: 32 } },
              { name: 'excl', bitOff: 256, type: { k: 'int', size: 4 } },
              { name: 'ops', bitOff: 320, type: { k: 'ptr', to: 'bpf_map_ops' } },
              { name: 'inner_map_meta', bitOff: 384, type: { k: 'ptr', to: 'bpf_map' } },
              { name: 'security', bitOff: 448, type: { k: 'ptr', to: null } },
              { name: 'map_type', bitOff: 512, type: { k: 'int', size: 4 } },
              { name: 'key_size', bitOff: 544, type: { k: 'int', size: 4 } },
              { name: 'value_size', bitOff: 576, type: { k: 'int', size: 4 } },
              { name: 'max_entries', bitOff: 608, type: { k: 'int', size: 4 } },
              { name: 'map_extra', bitOff: 640, type: { k: 'int', size: 8 } },
              { name: 'map_flags', bitOff: 704, type: { k: 'int', size: 4 } },
              { name: 'id', bitOff: 736, type: { k: 'int', size: 4 } },
              { name: 'record', bitOff: 768, type: { k: 'ptr', to: 'btf_record' } },
              { name: 'numa_node', bitOff: 832, type: { k: 'int', size: 4 } },
              { name: 'btf_key_type_id', bitOff: 864, type: { k: 'int', size: 4 } },
              { name: 'btf_value_type_id', bitOff: 896, type: { k: 'int', size: 4 } },
              { name: 'btf_vmlinux_value_type_id', bitOff: 928, type: { k: 'int', size: 4 } },
              { name: 'btf', bitOff: 960, type: { k: 'ptr', to: 'btf' } },
              { name: 'objcg', bitOff: 1024, type: { k: 'ptr', to: 'obj_cgroup' } },
              { name: 'name', bitOff: 1088, type: { k: 'array', elem: { k: 'int', size: 1 }, nelems: 16 } },
              {
                name: 'freeze_mutex',
                bitOff: 1216,
                type: {
                  k: 'struct',
                  s: {
                    name: 'mutex',
                    union: false,
                    size: 32,
                    members: [
                      {
                        name: 'owner',
                        bitOff: 0,
                        type: {
                          k: 'struct',
                          s: {
                            name: '',
                            union: false,
                            size: 8,
                            members: [{ name: 'counter', bitOff: 0, type: { k: 'int', size: 8 } }],
                          },
                        },
                      },
                      {
                        name: 'wait_lock',
                        bitOff: 64,
                        type: {
                          k: 'struct',
                          s: {
                            name: 'raw_spinlock',
                            union: false,
                            size: 4,
                            members: [
                              {
                                name: 'raw_lock',
                                bitOff: 0,
                                type: {
                                  k: 'struct',
                                  s: {
                                    name: 'qspinlock',
                                    union: false,
                                    size: 4,
                                    members: [
                                      {
                                        name: '',
                                        bitOff: 0,
                                        type: {
                                          k: 'struct',
                                          s: {
                                            name: '',
                                            union: true,
                                            size: 4,
                                            members: [
                                              {
                                                name: 'val',
                                                bitOff: 0,
                                                type: {
                                                  k: 'struct',
                                                  s: {
                                                    name: '',
                                                    union: false,
                                                    size: 4,
                                                    members: [
                                                      { name: 'counter', bitOff: 0, type: { k: 'int', size: 4 } },
                                                    ],
                                                  },
                                                },
                                              },
                                              {
                                                name: '',
                                                bitOff: 0,
                                                type: {
                                                  k: 'struct',
                                                  s: {
                                                    name: '',
                                                    union: false,
                                                    size: 2,
                                                    members: [
                                                      { name: 'locked', bitOff: 0, type: { k: 'int', size: 1 } },
                                                      { name: 'pending', bitOff: 8, type: { k: 'int', size: 1 } },
                                                    ],
                                                  },
                                                },
                                              },
                                              {
                                                name: '',
                                                bitOff: 0,
                                                type: {
                                                  k: 'struct',
                                                  s: {
                                                    name: '',
                                                    union: false,
                                                    size: 4,
                                                    members: [
                                                      {
                                                        name: 'locked_pending',
                                                        bitOff: 0,
                                                        type: { k: 'int', size: 2 },
                                                      },
                                                      { name: 'tail', bitOff: 16, type: { k: 'int', size: 2 } },
                                                    ],
                                                  },
                                                },
                                              },
                                            ],
                                          },
                                        },
                                      },
                                    ],
                                  },
                                },
                              },
                            ],
                          },
                        },
                      },
                      {
                        name: 'osq',
                        bitOff: 96,
                        type: {
                          k: 'struct',
                          s: {
                            name: 'optimistic_spin_queue',
                            union: false,
                            size: 4,
                            members: [
                              {
                                name: 'tail',
                                bitOff: 0,
                                type: {
                                  k: 'struct',
                                  s: {
                                    name: '',
                                    union: false,
                                    size: 4,
                                    members: [{ name: 'counter', bitOff: 0, type: { k: 'int', size: 4 } }],
                                  },
                                },
                              },
                            ],
                          },
                        },
                      },
                      {
                        name: 'wait_list',
                        bitOff: 128,
                        type: {
                          k: 'struct',
                          s: {
                            name: 'list_head',
                            union: false,
                            size: 16,
                            members: [
                              { name: 'next', bitOff: 0, type: { k: 'ptr', to: 'list_head' } },
                              { name: 'prev', bitOff: 64, type: { k: 'ptr', to: 'list_head' } },
                            ],
                          },
                        },
                      },
                    ],
                  },
                },
              },
              {
                name: 'refcnt',
                bitOff: 1472,
                type: {
                  k: 'struct',
                  s: {
                    name: '',
                    union: false,
                    size: 8,
                    members: [{ name: 'counter', bitOff: 0, type: { k: 'int', size: 8 } }],
                  },
                },
              },
              {
                name: 'usercnt',
                bitOff: 1536,
                type: {
                  k: 'struct',
                  s: {
                    name: '',
                    union: false,
                    size: 8,
                    members: [{ name: 'counter', bitOff: 0, type: { k: 'int', size: 8 } }],
                  },
                },
              },
              {
                name: '',
                bitOff: 1600,
                type: {
                  k: 'struct',
                  s: {
                    name: '',
                    union: true,
                    size: 32,
                    members: [
                      {
                        name: 'work',
                        bitOff: 0,
                        type: {
                          k: 'struct',
                          s: {
                            name: 'work_struct',
                            union: false,
                            size: 32,
                            members: [
                              {
                                name: 'data',
                                bitOff: 0,
                                type: {
                                  k: 'struct',
                                  s: {
                                    name: '',
                                    union: false,
                                    size: 8,
                                    members: [{ name: 'counter', bitOff: 0, type: { k: 'int', size: 8 } }],
                                  },
                                },
                              },
                              {
                                name: 'entry',
                                bitOff: 64,
                                type: {
                                  k: 'struct',
                                  s: {
                                    name: 'list_head',
                                    union: false,
                                    size: 16,
                                    members: [
                                      { name: 'next', bitOff: 0, type: { k: 'ptr', to: 'list_head' } },
                                      { name: 'prev', bitOff: 64, type: { k: 'ptr', to: 'list_head' } },
                                    ],
                                  },
                                },
                              },
                              { name: 'func', bitOff: 192, type: { k: 'ptr', to: null } },
                            ],
                          },
                        },
                      },
                      {
                        name: 'rcu',
                        bitOff: 0,
                        type: {
                          k: 'struct',
                          s: {
                            name: 'callback_head',
                            union: false,
                            size: 16,
                            members: [
                              { name: 'next', bitOff: 0, type: { k: 'ptr', to: 'callback_head' } },
                              { name: 'func', bitOff: 64, type: { k: 'ptr', to: null } },
                            ],
                          },
                        },
                      },
                    ],
                  },
                },
              },
              {
                name: 'writecnt',
                bitOff: 1856,
                type: {
                  k: 'struct',
                  s: {
                    name: '',
                    union: false,
                    size: 8,
                    members: [{ name: 'counter', bitOff: 0, type: { k: 'int', size: 8 } }],
                  },
                },
              },
              {
                name: 'owner_lock',
                bitOff: 1920,
                type: {
                  k: 'struct',
                  s: {
                    name: 'spinlock',
                    union: false,
                    size: 4,
                    members: [
                      {
                        name: '',
                        bitOff: 0,
                        type: {
                          k: 'struct',
                          s: {
                            name: '',
                            union: true,
                            size: 4,
                            members: [
                              {
                                name: 'rlock',
                                bitOff: 0,
                                type: {
                                  k: 'struct',
                                  s: {
                                    name: 'raw_spinlock',
                                    union: false,
                                    size: 4,
                                    members: [
                                      {
                                        name: 'raw_lock',
                                        bitOff: 0,
                                        type: {
                                          k: 'struct',
                                          s: {
                                            name: 'qspinlock',
                                            union: false,
                                            size: 4,
                                            members: [
                                              {
                                                name: '',
                                                bitOff: 0,
                                                type: {
                                                  k: 'struct',
                                                  s: {
                                                    name: '',
                                                    union: true,
                                                    size: 4,
                                                    members: [
                                                      {
                                                        name: 'val',
                                                        bitOff: 0,
                                                        type: {
                                                          k: 'struct',
                                                          s: {
                                                            name: '',
                                                            union: false,
                                                            size: 4,
                                                            members: [
                                                              {
                                                                name: 'counter',
                                                                bitOff: 0,
                                                                type: { k: 'int', size: 4 },
                                                              },
                                                            ],
                                                          },
                                                        },
                                                      },
                                                      {
                                                        name: '',
                                                        bitOff: 0,
                                                        type: {
                                                          k: 'struct',
                                                          s: {
                                                            name: '',
                                                            union: false,
                                                            size: 2,
                                                            members: [
                                                              {
                                                                name: 'locked',
                                                                bitOff: 0,
                                                                type: { k: 'int', size: 1 },
                                                              },
                                                              {
                                                                name: 'pending',
                                                                bitOff: 8,
                                                                type: { k: 'int', size: 1 },
                                                              },
                                                            ],
                                                          },
                                                        },
                                                      },
                                                      {
                                                        name: '',
                                                        bitOff: 0,
                                                        type: {
                                                          k: 'struct',
                                                          s: {
                                                            name: '',
                                                            union: false,
                                                            size: 4,
                                                            members: [
                                                              {
                                                                name: 'locked_pending',
                                                                bitOff: 0,
                                                                type: { k: 'int', size: 2 },
                                                              },
                                                              { name: 'tail', bitOff: 16, type: { k: 'int', size: 2 } },
                                                            ],
                                                          },
                                                        },
                                                      },
                                                    ],
                                                  },
                                                },
                                              },
                                            ],
                                          },
                                        },
                                      },
                                    ],
                                  },
                                },
                              },
                            ],
                          },
                        },
                      },
                    ],
                  },
                },
              },
              { name: 'owner', bitOff: 1984, type: { k: 'ptr', to: 'bpf_map_owner' } },
              { name: 'bypass_spec_v1', bitOff: 2048, type: { k: 'int', size: 1 } },
              { name: 'frozen', bitOff: 2056, type: { k: 'int', size: 1 } },
              { name: 'init_private', bitOff: 2064, type: { k: 'int', size: 1 } },
              { name: 'free_after_mult_rcu_gp', bitOff: 2072, type: { k: 'int', size: 1 } },
              { name: 'free_after_rcu_gp', bitOff: 2080, type: { k: 'int', size: 1 } },
              {
                name: 'sleepable_refcnt',
                bitOff: 2112,
                type: {
                  k: 'struct',
                  s: {
                    name: '',
                    union: false,
                    size: 8,
                    members: [{ name: 'counter', bitOff: 0, type: { k: 'int', size: 8 } }],
                  },
                },
              },
              { name: 'elem_count', bitOff: 2176, type: { k: 'ptr', to: null } },
              { name: 'cookie', bitOff: 2240, type: { k: 'int', size: 8 } },
              { name: 'excl_prog_sha', bitOff: 2304, type: { k: 'ptr', to: null } },
            ],
          },
        },
      },
      { name: 'elem_size', bitOff: 2368, type: { k: 'int', size: 4 } },
      { name: 'index_mask', bitOff: 2400, type: { k: 'int', size: 4 } },
      { name: 'aux', bitOff: 2432, type: { k: 'ptr', to: 'bpf_array_aux' } },
      {
        name: '',
        bitOff: 2496,
        type: {
          k: 'struct',
          s: {
            name: '',
            union: true,
            size: 0,
            members: [
              {
                name: '',
                bitOff: 0,
                type: {
                  k: 'struct',
                  s: {
                    name: '',
                    union: false,
                    size: 0,
                    members: [
                      {
                        name: '__empty_value',
                        bitOff: 0,
                        type: { k: 'struct', s: { name: '', union: false, size: 0, members: [] } },
                      },
                      { name: 'value', bitOff: 0, type: { k: 'array', elem: { k: 'int', size: 1 }, nelems: 0 } },
                    ],
                  },
                },
              },
              {
                name: '',
                bitOff: 0,
                type: {
                  k: 'struct',
                  s: {
                    name: '',
                    union: false,
                    size: 0,
                    members: [
                      {
                        name: '__empty_ptrs',
                        bitOff: 0,
                        type: { k: 'struct', s: { name: '', union: false, size: 0, members: [] } },
                      },
                      { name: 'ptrs', bitOff: 0, type: { k: 'array', elem: { k: 'ptr', to: null }, nelems: 0 } },
                    ],
                  },
                },
              },
              {
                name: '',
                bitOff: 0,
                type: {
                  k: 'struct',
                  s: {
                    name: '',
                    union: false,
                    size: 0,
                    members: [
                      {
                        name: '__empty_pptrs',
                        bitOff: 0,
                        type: { k: 'struct', s: { name: '', union: false, size: 0, members: [] } },
                      },
                      { name: 'pptrs', bitOff: 0, type: { k: 'array', elem: { k: 'ptr', to: null }, nelems: 0 } },
                    ],
                  },
                },
              },
            ],
          },
        },
      },
    ],
  },
  bpf_htab: {
    name: 'bpf_htab',
    union: false,
    size: 832,
    members: [
      {
        name: 'map',
        bitOff: 0,
        type: {
          k: 'struct',
          s: {
            name: 'bpf_map',
            union: false,
            size: 296,
            members: [
              { name: 'sha', bitOff: 0, type: { k: 'array', elem: { k: 'int', size: 1 }, nelems: 32 } },
              { name: 'excl', bitOff: 256, type: { k: 'int', size: 4 } },
              { name: 'ops', bitOff: 320, type: { k: 'ptr', to: 'bpf_map_ops' } },
              { name: 'inner_map_meta', bitOff: 384, type: { k: 'ptr', to: 'bpf_map' } },
              { name: 'security', bitOff: 448, type: { k: 'ptr', to: null } },
              { name: 'map_type', bitOff: 512, type: { k: 'int', size: 4 } },
              { name: 'key_size', bitOff: 544, type: { k: 'int', size: 4 } },
              { name: 'value_size', bitOff: 576, type: { k: 'int', size: 4 } },
              { name: 'max_entries', bitOff: 608, type: { k: 'int', size: 4 } },
              { name: 'map_extra', bitOff: 640, type: { k: 'int', size: 8 } },
              { name: 'map_flags', bitOff: 704, type: { k: 'int', size: 4 } },
              { name: 'id', bitOff: 736, type: { k: 'int', size: 4 } },
              { name: 'record', bitOff: 768, type: { k: 'ptr', to: 'btf_record' } },
              { name: 'numa_node', bitOff: 832, type: { k: 'int', size: 4 } },
              { name: 'btf_key_type_id', bitOff: 864, type: { k: 'int', size: 4 } },
              { name: 'btf_value_type_id', bitOff: 896, type: { k: 'int', size: 4 } },
              { name: 'btf_vmlinux_value_type_id', bitOff: 928, type: { k: 'int', size: 4 } },
              { name: 'btf', bitOff: 960, type: { k: 'ptr', to: 'btf' } },
              { name: 'objcg', bitOff: 1024, type: { k: 'ptr', to: 'obj_cgroup' } },
              { name: 'name', bitOff: 1088, type: { k: 'array', elem: { k: 'int', size: 1 }, nelems: 16 } },
              {
                name: 'freeze_mutex',
                bitOff: 1216,
                type: {
                  k: 'struct',
                  s: {
                    name: 'mutex',
                    union: false,
                    size: 32,
                    members: [
                      {
                        name: 'owner',
                        bitOff: 0,
                        type: {
                          k: 'struct',
                          s: {
                            name: '',
                            union: false,
                            size: 8,
                            members: [{ name: 'counter', bitOff: 0, type: { k: 'int', size: 8 } }],
                          },
                        },
                      },
                      {
                        name: 'wait_lock',
                        bitOff: 64,
                        type: {
                          k: 'struct',
                          s: {
                            name: 'raw_spinlock',
                            union: false,
                            size: 4,
                            members: [
                              {
                                name: 'raw_lock',
                                bitOff: 0,
                                type: {
                                  k: 'struct',
                                  s: {
                                    name: 'qspinlock',
                                    union: false,
                                    size: 4,
                                    members: [
                                      {
                                        name: '',
                                        bitOff: 0,
                                        type: {
                                          k: 'struct',
                                          s: {
                                            name: '',
                                            union: true,
                                            size: 4,
                                            members: [
                                              {
                                                name: 'val',
                                                bitOff: 0,
                                                type: {
                                                  k: 'struct',
                                                  s: {
                                                    name: '',
                                                    union: false,
                                                    size: 4,
                                                    members: [
                                                      { name: 'counter', bitOff: 0, type: { k: 'int', size: 4 } },
                                                    ],
                                                  },
                                                },
                                              },
                                              {
                                                name: '',
                                                bitOff: 0,
                                                type: {
                                                  k: 'struct',
                                                  s: {
                                                    name: '',
                                                    union: false,
                                                    size: 2,
                                                    members: [
                                                      { name: 'locked', bitOff: 0, type: { k: 'int', size: 1 } },
                                                      { name: 'pending', bitOff: 8, type: { k: 'int', size: 1 } },
                                                    ],
                                                  },
                                                },
                                              },
                                              {
                                                name: '',
                                                bitOff: 0,
                                                type: {
                                                  k: 'struct',
                                                  s: {
                                                    name: '',
                                                    union: false,
                                                    size: 4,
                                                    members: [
                                                      {
                                                        name: 'locked_pending',
                                                        bitOff: 0,
                                                        type: { k: 'int', size: 2 },
                                                      },
                                                      { name: 'tail', bitOff: 16, type: { k: 'int', size: 2 } },
                                                    ],
                                                  },
                                                },
                                              },
                                            ],
                                          },
                                        },
                                      },
                                    ],
                                  },
                                },
                              },
                            ],
                          },
                        },
                      },
                      {
                        name: 'osq',
                        bitOff: 96,
                        type: {
                          k: 'struct',
                          s: {
                            name: 'optimistic_spin_queue',
                            union: false,
                            size: 4,
                            members: [
                              {
                                name: 'tail',
                                bitOff: 0,
                                type: {
                                  k: 'struct',
                                  s: {
                                    name: '',
                                    union: false,
                                    size: 4,
                                    members: [{ name: 'counter', bitOff: 0, type: { k: 'int', size: 4 } }],
                                  },
                                },
                              },
                            ],
                          },
                        },
                      },
                      {
                        name: 'wait_list',
                        bitOff: 128,
                        type: {
                          k: 'struct',
                          s: {
                            name: 'list_head',
                            union: false,
                            size: 16,
                            members: [
                              { name: 'next', bitOff: 0, type: { k: 'ptr', to: 'list_head' } },
                              { name: 'prev', bitOff: 64, type: { k: 'ptr', to: 'list_head' } },
                            ],
                          },
                        },
                      },
                    ],
                  },
                },
              },
              {
                name: 'refcnt',
                bitOff: 1472,
                type: {
                  k: 'struct',
                  s: {
                    name: '',
                    union: false,
                    size: 8,
                    members: [{ name: 'counter', bitOff: 0, type: { k: 'int', size: 8 } }],
                  },
                },
              },
              {
                name: 'usercnt',
                bitOff: 1536,
                type: {
                  k: 'struct',
                  s: {
                    name: '',
                    union: false,
                    size: 8,
                    members: [{ name: 'counter', bitOff: 0, type: { k: 'int', size: 8 } }],
                  },
                },
              },
              {
                name: '',
                bitOff: 1600,
                type: {
                  k: 'struct',
                  s: {
                    name: '',
                    union: true,
                    size: 32,
                    members: [
                      {
                        name: 'work',
                        bitOff: 0,
                        type: {
                          k: 'struct',
                          s: {
                            name: 'work_struct',
                            union: false,
                            size: 32,
                            members: [
                              {
                                name: 'data',
                                bitOff: 0,
                                type: {
                                  k: 'struct',
                                  s: {
                                    name: '',
                                    union: false,
                                    size: 8,
                                    members: [{ name: 'counter', bitOff: 0, type: { k: 'int', size: 8 } }],
                                  },
                                },
                              },
                              {
                                name: 'entry',
                                bitOff: 64,
                                type: {
                                  k: 'struct',
                                  s: {
                                    name: 'list_head',
                                    union: false,
                                    size: 16,
                                    members: [
                                      { name: 'next', bitOff: 0, type: { k: 'ptr', to: 'list_head' } },
                                      { name: 'prev', bitOff: 64, type: { k: 'ptr', to: 'list_head' } },
                                    ],
                                  },
                                },
                              },
                              { name: 'func', bitOff: 192, type: { k: 'ptr', to: null } },
                            ],
                          },
                        },
                      },
                      {
                        name: 'rcu',
                        bitOff: 0,
                        type: {
                          k: 'struct',
                          s: {
                            name: 'callback_head',
                            union: false,
                            size: 16,
                            members: [
                              { name: 'next', bitOff: 0, type: { k: 'ptr', to: 'callback_head' } },
                              { name: 'func', bitOff: 64, type: { k: 'ptr', to: null } },
                            ],
                          },
                        },
                      },
                    ],
                  },
                },
              },
              {
                name: 'writecnt',
                bitOff: 1856,
                type: {
                  k: 'struct',
                  s: {
                    name: '',
                    union: false,
                    size: 8,
                    members: [{ name: 'counter', bitOff: 0, type: { k: 'int', size: 8 } }],
                  },
                },
              },
              {
                name: 'owner_lock',
                bitOff: 1920,
                type: {
                  k: 'struct',
                  s: {
                    name: 'spinlock',
                    union: false,
                    size: 4,
                    members: [
                      {
                        name: '',
                        bitOff: 0,
                        type: {
                          k: 'struct',
                          s: {
                            name: '',
                            union: true,
                            size: 4,
                            members: [
                              {
                                name: 'rlock',
                                bitOff: 0,
                                type: {
                                  k: 'struct',
                                  s: {
                                    name: 'raw_spinlock',
                                    union: false,
                                    size: 4,
                                    members: [
                                      {
                                        name: 'raw_lock',
                                        bitOff: 0,
                                        type: {
                                          k: 'struct',
                                          s: {
                                            name: 'qspinlock',
                                            union: false,
                                            size: 4,
                                            members: [
                                              {
                                                name: '',
                                                bitOff: 0,
                                                type: {
                                                  k: 'struct',
                                                  s: {
                                                    name: '',
                                                    union: true,
                                                    size: 4,
                                                    members: [
                                                      {
                                                        name: 'val',
                                                        bitOff: 0,
                                                        type: {
                                                          k: 'struct',
                                                          s: {
                                                            name: '',
                                                            union: false,
                                                            size: 4,
                                                            members: [
                                                              {
                                                                name: 'counter',
                                                                bitOff: 0,
                                                                type: { k: 'int', size: 4 },
                                                              },
                                                            ],
                                                          },
                                                        },
                                                      },
                                                      {
                                                        name: '',
                                                        bitOff: 0,
                                                        type: {
                                                          k: 'struct',
                                                          s: {
                                                            name: '',
                                                            union: false,
                                                            size: 2,
                                                            members: [
                                                              {
                                                                name: 'locked',
                                                                bitOff: 0,
                                                                type: { k: 'int', size: 1 },
                                                              },
                                                              {
                                                                name: 'pending',
                                                                bitOff: 8,
                                                                type: { k: 'int', size: 1 },
                                                              },
                                                            ],
                                                          },
                                                        },
                                                      },
                                                      {
                                                        name: '',
                                                        bitOff: 0,
                                                        type: {
                                                          k: 'struct',
                                                          s: {
                                                            name: '',
                                                            union: false,
                                                            size: 4,
                                                            members: [
                                                              {
                                                                name: 'locked_pending',
                                                                bitOff: 0,
                                                                type: { k: 'int', size: 2 },
                                                              },
                                                              { name: 'tail', bitOff: 16, type: { k: 'int', size: 2 } },
                                                            ],
                                                          },
                                                        },
                                                      },
                                                    ],
                                                  },
                                                },
                                              },
                                            ],
                                          },
                                        },
                                      },
                                    ],
                                  },
                                },
                              },
                            ],
                          },
                        },
                      },
                    ],
                  },
                },
              },
              { name: 'owner', bitOff: 1984, type: { k: 'ptr', to: 'bpf_map_owner' } },
              { name: 'bypass_spec_v1', bitOff: 2048, type: { k: 'int', size: 1 } },
              { name: 'frozen', bitOff: 2056, type: { k: 'int', size: 1 } },
              { name: 'init_private', bitOff: 2064, type: { k: 'int', size: 1 } },
              { name: 'free_after_mult_rcu_gp', bitOff: 2072, type: { k: 'int', size: 1 } },
              { name: 'free_after_rcu_gp', bitOff: 2080, type: { k: 'int', size: 1 } },
              {
                name: 'sleepable_refcnt',
                bitOff: 2112,
                type: {
                  k: 'struct',
                  s: {
                    name: '',
                    union: false,
                    size: 8,
                    members: [{ name: 'counter', bitOff: 0, type: { k: 'int', size: 8 } }],
                  },
                },
              },
              { name: 'elem_count', bitOff: 2176, type: { k: 'ptr', to: null } },
              { name: 'cookie', bitOff: 2240, type: { k: 'int', size: 8 } },
              { name: 'excl_prog_sha', bitOff: 2304, type: { k: 'ptr', to: null } },
            ],
          },
        },
      },
      {
        name: 'ma',
        bitOff: 2368,
        type: {
          k: 'struct',
          s: {
            name: 'bpf_mem_alloc',
            union: false,
            size: 80,
            members: [
              { name: 'caches', bitOff: 0, type: { k: 'ptr', to: 'bpf_mem_caches' } },
              { name: 'cache', bitOff: 64, type: { k: 'ptr', to: 'bpf_mem_cache' } },
              { name: 'objcg', bitOff: 128, type: { k: 'ptr', to: 'obj_cgroup' } },
              { name: 'percpu', bitOff: 192, type: { k: 'int', size: 1 } },
              {
                name: 'work',
                bitOff: 256,
                type: {
                  k: 'struct',
                  s: {
                    name: 'work_struct',
                    union: false,
                    size: 32,
                    members: [
                      {
                        name: 'data',
                        bitOff: 0,
                        type: {
                          k: 'struct',
                          s: {
                            name: '',
                            union: false,
                            size: 8,
                            members: [{ name: 'counter', bitOff: 0, type: { k: 'int', size: 8 } }],
                          },
                        },
                      },
                      {
                        name: 'entry',
                        bitOff: 64,
                        type: {
                          k: 'struct',
                          s: {
                            name: 'list_head',
                            union: false,
                            size: 16,
                            members: [
                              { name: 'next', bitOff: 0, type: { k: 'ptr', to: 'list_head' } },
                              { name: 'prev', bitOff: 64, type: { k: 'ptr', to: 'list_head' } },
                            ],
                          },
                        },
                      },
                      { name: 'func', bitOff: 192, type: { k: 'ptr', to: null } },
                    ],
                  },
                },
              },
              { name: 'dtor_ctx_free', bitOff: 512, type: { k: 'ptr', to: null } },
              { name: 'dtor_ctx', bitOff: 576, type: { k: 'ptr', to: null } },
            ],
          },
        },
      },
      {
        name: 'pcpu_ma',
        bitOff: 3008,
        type: {
          k: 'struct',
          s: {
            name: 'bpf_mem_alloc',
            union: false,
            size: 80,
            members: [
              { name: 'caches', bitOff: 0, type: { k: 'ptr', to: 'bpf_mem_caches' } },
              { name: 'cache', bitOff: 64, type: { k: 'ptr', to: 'bpf_mem_cache' } },
              { name: 'objcg', bitOff: 128, type: { k: 'ptr', to: 'obj_cgroup' } },
              { name: 'percpu', bitOff: 192, type: { k: 'int', size: 1 } },
              {
                name: 'work',
                bitOff: 256,
                type: {
                  k: 'struct',
                  s: {
                    name: 'work_struct',
                    union: false,
                    size: 32,
                    members: [
                      {
                        name: 'data',
                        bitOff: 0,
                        type: {
                          k: 'struct',
                          s: {
                            name: '',
                            union: false,
                            size: 8,
                            members: [{ name: 'counter', bitOff: 0, type: { k: 'int', size: 8 } }],
                          },
                        },
                      },
                      {
                        name: 'entry',
                        bitOff: 64,
                        type: {
                          k: 'struct',
                          s: {
                            name: 'list_head',
                            union: false,
                            size: 16,
                            members: [
                              { name: 'next', bitOff: 0, type: { k: 'ptr', to: 'list_head' } },
                              { name: 'prev', bitOff: 64, type: { k: 'ptr', to: 'list_head' } },
                            ],
                          },
                        },
                      },
                      { name: 'func', bitOff: 192, type: { k: 'ptr', to: null } },
                    ],
                  },
                },
              },
              { name: 'dtor_ctx_free', bitOff: 512, type: { k: 'ptr', to: null } },
              { name: 'dtor_ctx', bitOff: 576, type: { k: 'ptr', to: null } },
            ],
          },
        },
      },
      { name: 'buckets', bitOff: 3648, type: { k: 'ptr', to: 'bucket' } },
      { name: 'elems', bitOff: 3712, type: { k: 'ptr', to: null } },
      {
        name: '',
        bitOff: 4096,
        type: {
          k: 'struct',
          s: {
            name: '',
            union: true,
            size: 256,
            members: [
              {
                name: 'freelist',
                bitOff: 0,
                type: {
                  k: 'struct',
                  s: {
                    name: 'pcpu_freelist',
                    union: false,
                    size: 8,
                    members: [{ name: 'freelist', bitOff: 0, type: { k: 'ptr', to: 'pcpu_freelist_head' } }],
                  },
                },
              },
              {
                name: 'lru',
                bitOff: 0,
                type: {
                  k: 'struct',
                  s: {
                    name: 'bpf_lru',
                    union: false,
                    size: 256,
                    members: [
                      {
                        name: '',
                        bitOff: 0,
                        type: {
                          k: 'struct',
                          s: {
                            name: '',
                            union: true,
                            size: 192,
                            members: [
                              {
                                name: 'common_lru',
                                bitOff: 0,
                                type: {
                                  k: 'struct',
                                  s: {
                                    name: 'bpf_common_lru',
                                    union: false,
                                    size: 192,
                                    members: [
                                      {
                                        name: 'lru_list',
                                        bitOff: 0,
                                        type: {
                                          k: 'struct',
                                          s: {
                                            name: 'bpf_lru_list',
                                            union: false,
                                            size: 128,
                                            members: [
                                              {
                                                name: 'lists',
                                                bitOff: 0,
                                                type: {
                                                  k: 'array',
                                                  elem: {
                                                    k: 'struct',
                                                    s: {
                                                      name: 'list_head',
                                                      union: false,
                                                      size: 16,
                                                      members: [
                                                        {
                                                          name: 'next',
                                                          bitOff: 0,
                                                          type: { k: 'ptr', to: 'list_head' },
                                                        },
                                                        {
                                                          name: 'prev',
                                                          bitOff: 64,
                                                          type: { k: 'ptr', to: 'list_head' },
                                                        },
                                                      ],
                                                    },
                                                  },
                                                  nelems: 3,
                                                },
                                              },
                                              {
                                                name: 'counts',
                                                bitOff: 384,
                                                type: { k: 'array', elem: { k: 'int', size: 4 }, nelems: 2 },
                                              },
                                              {
                                                name: 'next_inactive_rotation',
                                                bitOff: 448,
                                                type: { k: 'ptr', to: 'list_head' },
                                              },
                                              {
                                                name: 'lock',
                                                bitOff: 512,
                                                type: {
                                                  k: 'struct',
                                                  s: {
                                                    name: 'qspinlock',
                                                    union: false,
                                                    size: 4,
                                                    members: [
                                                      {
                                                        name: '',
                                                        bitOff: 0,
                                                        type: {
                                                          k: 'struct',
                                                          s: {
                                                            name: '',
                                                            union: true,
                                                            size: 4,
                                                            members: [
                                                              {
                                                                name: 'val',
                                                                bitOff: 0,
                                                                type: {
                                                                  k: 'struct',
                                                                  s: {
                                                                    name: '',
                                                                    union: false,
                                                                    size: 4,
                                                                    members: [
                                                                      {
                                                                        name: 'counter',
                                                                        bitOff: 0,
                                                                        type: { k: 'int', size: 4 },
                                                                      },
                                                                    ],
                                                                  },
                                                                },
                                                              },
                                                              {
                                                                name: '',
                                                                bitOff: 0,
                                                                type: {
                                                                  k: 'struct',
                                                                  s: {
                                                                    name: '',
                                                                    union: false,
                                                                    size: 2,
                                                                    members: [
                                                                      {
                                                                        name: 'locked',
                                                                        bitOff: 0,
                                                                        type: { k: 'int', size: 1 },
                                                                      },
                                                                      {
                                                                        name: 'pending',
                                                                        bitOff: 8,
                                                                        type: { k: 'int', size: 1 },
                                                                      },
                                                                    ],
                                                                  },
                                                                },
                                                              },
                                                              {
                                                                name: '',
                                                                bitOff: 0,
                                                                type: {
                                                                  k: 'struct',
                                                                  s: {
                                                                    name: '',
                                                                    union: false,
                                                                    size: 4,
                                                                    members: [
                                                                      {
                                                                        name: 'locked_pending',
                                                                        bitOff: 0,
                                                                        type: { k: 'int', size: 2 },
                                                                      },
                                                                      {
                                                                        name: 'tail',
                                                                        bitOff: 16,
                                                                        type: { k: 'int', size: 2 },
                                                                      },
                                                                    ],
                                                                  },
                                                                },
                                                              },
                                                            ],
                                                          },
                                                        },
                                                      },
                                                    ],
                                                  },
                                                },
                                              },
                                            ],
                                          },
                                        },
                                      },
                                      { name: 'local_list', bitOff: 1024, type: { k: 'ptr', to: 'bpf_lru_locallist' } },
                                    ],
                                  },
                                },
                              },
                              { name: 'percpu_lru', bitOff: 0, type: { k: 'ptr', to: 'bpf_lru_list' } },
                            ],
                          },
                        },
                      },
                      { name: 'del_from_htab', bitOff: 1536, type: { k: 'ptr', to: null } },
                      { name: 'del_arg', bitOff: 1600, type: { k: 'ptr', to: null } },
                      { name: 'hash_offset', bitOff: 1664, type: { k: 'int', size: 4 } },
                      { name: 'target_free', bitOff: 1696, type: { k: 'int', size: 4 } },
                      { name: 'nr_scans', bitOff: 1728, type: { k: 'int', size: 4 } },
                      { name: 'percpu', bitOff: 1760, type: { k: 'int', size: 1 } },
                    ],
                  },
                },
              },
            ],
          },
        },
      },
      { name: 'extra_elems', bitOff: 6144, type: { k: 'ptr', to: null } },
      {
        name: 'count',
        bitOff: 6208,
        type: {
          k: 'struct',
          s: {
            name: '',
            union: false,
            size: 4,
            members: [{ name: 'counter', bitOff: 0, type: { k: 'int', size: 4 } }],
          },
        },
      },
      { name: 'use_percpu_counter', bitOff: 6240, type: { k: 'int', size: 1 } },
      { name: 'n_buckets', bitOff: 6272, type: { k: 'int', size: 4 } },
      { name: 'elem_size', bitOff: 6304, type: { k: 'int', size: 4 } },
      { name: 'hashrnd', bitOff: 6336, type: { k: 'int', size: 4 } },
    ],
  },
  bpf_ringbuf_map: {
    name: 'bpf_ringbuf_map',
    union: false,
    size: 304,
    members: [
      {
        name: 'map',
        bitOff: 0,
        type: {
          k: 'struct',
          s: {
            name: 'bpf_map',
            union: false,
            size: 296,
            members: [
              { name: 'sha', bitOff: 0, type: { k: 'array', elem: { k: 'int', size: 1 }, nelems: 32 } },
              { name: 'excl', bitOff: 256, type: { k: 'int', size: 4 } },
              { name: 'ops', bitOff: 320, type: { k: 'ptr', to: 'bpf_map_ops' } },
              { name: 'inner_map_meta', bitOff: 384, type: { k: 'ptr', to: 'bpf_map' } },
              { name: 'security', bitOff: 448, type: { k: 'ptr', to: null } },
              { name: 'map_type', bitOff: 512, type: { k: 'int', size: 4 } },
              { name: 'key_size', bitOff: 544, type: { k: 'int', size: 4 } },
              { name: 'value_size', bitOff: 576, type: { k: 'int', size: 4 } },
              { name: 'max_entries', bitOff: 608, type: { k: 'int', size: 4 } },
              { name: 'map_extra', bitOff: 640, type: { k: 'int', size: 8 } },
              { name: 'map_flags', bitOff: 704, type: { k: 'int', size: 4 } },
              { name: 'id', bitOff: 736, type: { k: 'int', size: 4 } },
              { name: 'record', bitOff: 768, type: { k: 'ptr', to: 'btf_record' } },
              { name: 'numa_node', bitOff: 832, type: { k: 'int', size: 4 } },
              { name: 'btf_key_type_id', bitOff: 864, type: { k: 'int', size: 4 } },
              { name: 'btf_value_type_id', bitOff: 896, type: { k: 'int', size: 4 } },
              { name: 'btf_vmlinux_value_type_id', bitOff: 928, type: { k: 'int', size: 4 } },
              { name: 'btf', bitOff: 960, type: { k: 'ptr', to: 'btf' } },
              { name: 'objcg', bitOff: 1024, type: { k: 'ptr', to: 'obj_cgroup' } },
              { name: 'name', bitOff: 1088, type: { k: 'array', elem: { k: 'int', size: 1 }, nelems: 16 } },
              {
                name: 'freeze_mutex',
                bitOff: 1216,
                type: {
                  k: 'struct',
                  s: {
                    name: 'mutex',
                    union: false,
                    size: 32,
                    members: [
                      {
                        name: 'owner',
                        bitOff: 0,
                        type: {
                          k: 'struct',
                          s: {
                            name: '',
                            union: false,
                            size: 8,
                            members: [{ name: 'counter', bitOff: 0, type: { k: 'int', size: 8 } }],
                          },
                        },
                      },
                      {
                        name: 'wait_lock',
                        bitOff: 64,
                        type: {
                          k: 'struct',
                          s: {
                            name: 'raw_spinlock',
                            union: false,
                            size: 4,
                            members: [
                              {
                                name: 'raw_lock',
                                bitOff: 0,
                                type: {
                                  k: 'struct',
                                  s: {
                                    name: 'qspinlock',
                                    union: false,
                                    size: 4,
                                    members: [
                                      {
                                        name: '',
                                        bitOff: 0,
                                        type: {
                                          k: 'struct',
                                          s: {
                                            name: '',
                                            union: true,
                                            size: 4,
                                            members: [
                                              {
                                                name: 'val',
                                                bitOff: 0,
                                                type: {
                                                  k: 'struct',
                                                  s: {
                                                    name: '',
                                                    union: false,
                                                    size: 4,
                                                    members: [
                                                      { name: 'counter', bitOff: 0, type: { k: 'int', size: 4 } },
                                                    ],
                                                  },
                                                },
                                              },
                                              {
                                                name: '',
                                                bitOff: 0,
                                                type: {
                                                  k: 'struct',
                                                  s: {
                                                    name: '',
                                                    union: false,
                                                    size: 2,
                                                    members: [
                                                      { name: 'locked', bitOff: 0, type: { k: 'int', size: 1 } },
                                                      { name: 'pending', bitOff: 8, type: { k: 'int', size: 1 } },
                                                    ],
                                                  },
                                                },
                                              },
                                              {
                                                name: '',
                                                bitOff: 0,
                                                type: {
                                                  k: 'struct',
                                                  s: {
                                                    name: '',
                                                    union: false,
                                                    size: 4,
                                                    members: [
                                                      {
                                                        name: 'locked_pending',
                                                        bitOff: 0,
                                                        type: { k: 'int', size: 2 },
                                                      },
                                                      { name: 'tail', bitOff: 16, type: { k: 'int', size: 2 } },
                                                    ],
                                                  },
                                                },
                                              },
                                            ],
                                          },
                                        },
                                      },
                                    ],
                                  },
                                },
                              },
                            ],
                          },
                        },
                      },
                      {
                        name: 'osq',
                        bitOff: 96,
                        type: {
                          k: 'struct',
                          s: {
                            name: 'optimistic_spin_queue',
                            union: false,
                            size: 4,
                            members: [
                              {
                                name: 'tail',
                                bitOff: 0,
                                type: {
                                  k: 'struct',
                                  s: {
                                    name: '',
                                    union: false,
                                    size: 4,
                                    members: [{ name: 'counter', bitOff: 0, type: { k: 'int', size: 4 } }],
                                  },
                                },
                              },
                            ],
                          },
                        },
                      },
                      {
                        name: 'wait_list',
                        bitOff: 128,
                        type: {
                          k: 'struct',
                          s: {
                            name: 'list_head',
                            union: false,
                            size: 16,
                            members: [
                              { name: 'next', bitOff: 0, type: { k: 'ptr', to: 'list_head' } },
                              { name: 'prev', bitOff: 64, type: { k: 'ptr', to: 'list_head' } },
                            ],
                          },
                        },
                      },
                    ],
                  },
                },
              },
              {
                name: 'refcnt',
                bitOff: 1472,
                type: {
                  k: 'struct',
                  s: {
                    name: '',
                    union: false,
                    size: 8,
                    members: [{ name: 'counter', bitOff: 0, type: { k: 'int', size: 8 } }],
                  },
                },
              },
              {
                name: 'usercnt',
                bitOff: 1536,
                type: {
                  k: 'struct',
                  s: {
                    name: '',
                    union: false,
                    size: 8,
                    members: [{ name: 'counter', bitOff: 0, type: { k: 'int', size: 8 } }],
                  },
                },
              },
              {
                name: '',
                bitOff: 1600,
                type: {
                  k: 'struct',
                  s: {
                    name: '',
                    union: true,
                    size: 32,
                    members: [
                      {
                        name: 'work',
                        bitOff: 0,
                        type: {
                          k: 'struct',
                          s: {
                            name: 'work_struct',
                            union: false,
                            size: 32,
                            members: [
                              {
                                name: 'data',
                                bitOff: 0,
                                type: {
                                  k: 'struct',
                                  s: {
                                    name: '',
                                    union: false,
                                    size: 8,
                                    members: [{ name: 'counter', bitOff: 0, type: { k: 'int', size: 8 } }],
                                  },
                                },
                              },
                              {
                                name: 'entry',
                                bitOff: 64,
                                type: {
                                  k: 'struct',
                                  s: {
                                    name: 'list_head',
                                    union: false,
                                    size: 16,
                                    members: [
                                      { name: 'next', bitOff: 0, type: { k: 'ptr', to: 'list_head' } },
                                      { name: 'prev', bitOff: 64, type: { k: 'ptr', to: 'list_head' } },
                                    ],
                                  },
                                },
                              },
                              { name: 'func', bitOff: 192, type: { k: 'ptr', to: null } },
                            ],
                          },
                        },
                      },
                      {
                        name: 'rcu',
                        bitOff: 0,
                        type: {
                          k: 'struct',
                          s: {
                            name: 'callback_head',
                            union: false,
                            size: 16,
                            members: [
                              { name: 'next', bitOff: 0, type: { k: 'ptr', to: 'callback_head' } },
                              { name: 'func', bitOff: 64, type: { k: 'ptr', to: null } },
                            ],
                          },
                        },
                      },
                    ],
                  },
                },
              },
              {
                name: 'writecnt',
                bitOff: 1856,
                type: {
                  k: 'struct',
                  s: {
                    name: '',
                    union: false,
                    size: 8,
                    members: [{ name: 'counter', bitOff: 0, type: { k: 'int', size: 8 } }],
                  },
                },
              },
              {
                name: 'owner_lock',
                bitOff: 1920,
                type: {
                  k: 'struct',
                  s: {
                    name: 'spinlock',
                    union: false,
                    size: 4,
                    members: [
                      {
                        name: '',
                        bitOff: 0,
                        type: {
                          k: 'struct',
                          s: {
                            name: '',
                            union: true,
                            size: 4,
                            members: [
                              {
                                name: 'rlock',
                                bitOff: 0,
                                type: {
                                  k: 'struct',
                                  s: {
                                    name: 'raw_spinlock',
                                    union: false,
                                    size: 4,
                                    members: [
                                      {
                                        name: 'raw_lock',
                                        bitOff: 0,
                                        type: {
                                          k: 'struct',
                                          s: {
                                            name: 'qspinlock',
                                            union: false,
                                            size: 4,
                                            members: [
                                              {
                                                name: '',
                                                bitOff: 0,
                                                type: {
                                                  k: 'struct',
                                                  s: {
                                                    name: '',
                                                    union: true,
                                                    size: 4,
                                                    members: [
                                                      {
                                                        name: 'val',
                                                        bitOff: 0,
                                                        type: {
                                                          k: 'struct',
                                                          s: {
                                                            name: '',
                                                            union: false,
                                                            size: 4,
                                                            members: [
                                                              {
                                                                name: 'counter',
                                                                bitOff: 0,
                                                                type: { k: 'int', size: 4 },
                                                              },
                                                            ],
                                                          },
                                                        },
                                                      },
                                                      {
                                                        name: '',
                                                        bitOff: 0,
                                                        type: {
                                                          k: 'struct',
                                                          s: {
                                                            name: '',
                                                            union: false,
                                                            size: 2,
                                                            members: [
                                                              {
                                                                name: 'locked',
                                                                bitOff: 0,
                                                                type: { k: 'int', size: 1 },
                                                              },
                                                              {
                                                                name: 'pending',
                                                                bitOff: 8,
                                                                type: { k: 'int', size: 1 },
                                                              },
                                                            ],
                                                          },
                                                        },
                                                      },
                                                      {
                                                        name: '',
                                                        bitOff: 0,
                                                        type: {
                                                          k: 'struct',
                                                          s: {
                                                            name: '',
                                                            union: false,
                                                            size: 4,
                                                            members: [
                                                              {
                                                                name: 'locked_pending',
                                                                bitOff: 0,
                                                                type: { k: 'int', size: 2 },
                                                              },
                                                              { name: 'tail', bitOff: 16, type: { k: 'int', size: 2 } },
                                                            ],
                                                          },
                                                        },
                                                      },
                                                    ],
                                                  },
                                                },
                                              },
                                            ],
                                          },
                                        },
                                      },
                                    ],
                                  },
                                },
                              },
                            ],
                          },
                        },
                      },
                    ],
                  },
                },
              },
              { name: 'owner', bitOff: 1984, type: { k: 'ptr', to: 'bpf_map_owner' } },
              { name: 'bypass_spec_v1', bitOff: 2048, type: { k: 'int', size: 1 } },
              { name: 'frozen', bitOff: 2056, type: { k: 'int', size: 1 } },
              { name: 'init_private', bitOff: 2064, type: { k: 'int', size: 1 } },
              { name: 'free_after_mult_rcu_gp', bitOff: 2072, type: { k: 'int', size: 1 } },
              { name: 'free_after_rcu_gp', bitOff: 2080, type: { k: 'int', size: 1 } },
              {
                name: 'sleepable_refcnt',
                bitOff: 2112,
                type: {
                  k: 'struct',
                  s: {
                    name: '',
                    union: false,
                    size: 8,
                    members: [{ name: 'counter', bitOff: 0, type: { k: 'int', size: 8 } }],
                  },
                },
              },
              { name: 'elem_count', bitOff: 2176, type: { k: 'ptr', to: null } },
              { name: 'cookie', bitOff: 2240, type: { k: 'int', size: 8 } },
              { name: 'excl_prog_sha', bitOff: 2304, type: { k: 'ptr', to: null } },
            ],
          },
        },
      },
      { name: 'rb', bitOff: 2368, type: { k: 'ptr', to: 'bpf_ringbuf' } },
    ],
  },
};

/** The struct a map type's ops->map_btf_id names. */
export const MAP_BTF_STRUCT: Readonly<Record<BpfMapTypeName, string>> = {
  BPF_MAP_TYPE_HASH: 'bpf_htab',
  BPF_MAP_TYPE_ARRAY: 'bpf_array',
  BPF_MAP_TYPE_PERCPU_ARRAY: 'bpf_array',
  BPF_MAP_TYPE_LRU_HASH: 'bpf_htab',
  BPF_MAP_TYPE_RINGBUF: 'bpf_ringbuf_map',
};

/** What a read of `size` bytes at `off` finds: a scalar, a pointer (to a struct, or to something else), or an error. */
export type WalkResult =
  | { k: 'scalar' }
  | { k: 'ptr'; to: string | null; field: string }
  | { k: 'error'; errno: 'EACCES' | 'EINVAL' | 'EFAULT'; message: string };

/** __btf_name_by_offset(): a name at string offset 0 prints as (anon). */
function nameOf(n: string): string {
  return n || '(anon)';
}

/** sizeof() of a layout type, or undefined where BTF gives none (__btf_resolve_size()). */
function sizeOf(t: LayoutType): number | undefined {
  switch (t.k) {
    case 'int':
      return t.size;
    case 'ptr':
      return 8;
    case 'struct':
      return t.s.size;
    case 'array': {
      const e = sizeOf(t.elem);
      return e === undefined ? undefined : e * t.nelems;
    }
    default:
      return undefined;
  }
}

/** An array's innermost element type and total element count (multi-dimensional arrays made linear). */
function linear(t: LayoutType): { elem: LayoutType; total: number } {
  let total = 1;
  while (t.k === 'array') {
    total *= t.nelems;
    t = t.elem;
  }
  return { elem: t, total };
}

/** btf_struct_access() over btf_struct_walk() for a read of `size` bytes at `off` (>= 0) into `s`. */
export function btfStructAccess(s0: LayoutStruct, off0: number, size: number): WalkResult {
  let s = s0;
  let off = off0;
  let untrusted = false; // PTR_UNTRUSTED: walking a union of more than one member
  for (;;) {
    if (s.union && s.members.length !== 1) untrusted = true;
    if (off + size > s.size) {
      // Only a flexible array of structs as the last member lets an access run past the struct.
      const last = s.members[s.members.length - 1];
      const flex =
        last &&
        last.type.k === 'array' &&
        last.type.nelems === 0 &&
        last.type.elem.k === 'struct' &&
        off >= last.bitOff / 8;
      if (!flex || last.type.k !== 'array' || last.type.elem.k !== 'struct') {
        return {
          k: 'error',
          errno: 'EACCES',
          message: `access beyond struct ${nameOf(s.name)} at off ${off} size ${size}`,
        };
      }
      const es = last.type.elem.s;
      off = (off - last.bitOff / 8) % es.size;
      s = es;
      continue;
    }
    let next: { s: LayoutStruct; off: number } | undefined;
    let found: WalkResult | undefined;
    for (const m of s.members) {
      let moff = Math.floor(m.bitOff / 8);
      if (off + size <= moff) break;
      if (m.bits) {
        const endBit = m.bitOff + m.bits;
        if (off <= moff && Math.ceil(endBit / 8) <= off + size) return { k: 'scalar' };
        continue;
      }
      if (off < moff) break;
      let msize = sizeOf(m.type);
      if (msize === undefined)
        return { k: 'error', errno: 'EFAULT', message: `field ${nameOf(m.name)} doesn't have size` };
      const mtrueEnd = moff + msize;
      if (off >= mtrueEnd) continue;
      let mtype = m.type;
      if (mtype.k === 'array') {
        if (moff === mtrueEnd) continue;
        const { elem, total } = linear(mtype);
        msize /= total;
        moff += Math.floor((off - moff) / msize) * msize;
        mtype = elem;
      }
      if (mtype.k === 'struct') {
        // off == moff: the struct itself (WALK_STRUCT); either way the walk goes on inside it.
        next = { s: mtype.s, off: off - moff };
        break;
      }
      if (mtype.k === 'ptr') {
        if (msize !== size || off !== moff) {
          return {
            k: 'error',
            errno: 'EACCES',
            message: `cannot access ptr member ${nameOf(m.name)} with moff ${moff} in struct ${nameOf(s.name)} with off ${off} size ${size}`,
          };
        }
        found = { k: 'ptr', to: mtype.to, field: m.name };
        break;
      }
      if (off + size > mtrueEnd && !untrusted) {
        return {
          k: 'error',
          errno: 'EACCES',
          message: `access beyond the end of member ${nameOf(m.name)} (mend:${mtrueEnd}) in struct ${nameOf(s.name)} with off ${off} size ${size}`,
        };
      }
      return { k: 'scalar' };
    }
    if (found) return found;
    if (!next)
      return { k: 'error', errno: 'EINVAL', message: `struct ${nameOf(s.name)} doesn't have field at offset ${off}` };
    s = next.s;
    off = next.off;
  }
}
