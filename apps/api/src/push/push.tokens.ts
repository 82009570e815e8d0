// Injection tokens of the push module, provided from the validated env in app.module.ts.

/** The VapidKeys, or undefined when push is off. */
export const PUSH_VAPID = Symbol('PUSH_VAPID');
/** The outbound URL rules for push endpoints (a WebhookUrlPolicy with PUSH_ALLOWED_HOSTS). */
export const PUSH_POLICY = Symbol('PUSH_POLICY');
export const PUSH_OPTIONS = Symbol('PUSH_OPTIONS');
