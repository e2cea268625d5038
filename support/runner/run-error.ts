/** Exit 2: the run could not be made. One line (or one per problem), no stack trace. */
export class RunError extends Error {}
