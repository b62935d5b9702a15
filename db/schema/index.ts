export * from "./users";
export * from "./contacts";
export * from "./segments";
export * from "./campaigns";
export * from "./messages";
export * from "./security";
export * from "./webhooks";
export * from "./reconcile";
