/**
 * The command refused or failed to do what it was asked (unknown env or app, bad tag, dirty file, git failure):
 * exit status 1. The message says what was wrong and what is expected.
 */
export class DeliveryError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "DeliveryError";
    }
}

/** The command line itself is wrong (unknown option, missing or conflicting options): exit status 2. */
export class UsageError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "UsageError";
    }
}
