// Declares nothing: the floor of a no-op `up` (see Pulumi.yaml).
export {};
