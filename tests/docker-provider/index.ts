/** The Docker resource types the test double implements, by Pulumi type token. */
import { containerHandler } from "./container";
import type { DockerHandler } from "./handler";
import { networkHandler } from "./network";
import { remoteImageHandler } from "./remote-image";
import { volumeHandler } from "./volume";

export const DOCKER_HANDLERS: Record<string, DockerHandler> = Object.fromEntries(
    [networkHandler, volumeHandler, remoteImageHandler, containerHandler].map((h) => [h.type, h]),
);

export type { DockerHandler, DockerContext } from "./handler";
