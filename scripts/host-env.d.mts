/** The environment the hosts start with (see host-env.mjs). */
export declare const HOST_ENV: Readonly<Record<string, string>>;
