/** Where a client reaches a Redis process: a host name or IP and a TCP port. */
export interface Endpoint {
    host: string;
    port: number;
}

export function formatEndpoint(e: Endpoint): string {
    return `${e.host}:${e.port}`;
}
