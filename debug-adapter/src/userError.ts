/** An error whose message is for the user as it stands (the session shows it in an error response). */
export class UserError extends Error {}
