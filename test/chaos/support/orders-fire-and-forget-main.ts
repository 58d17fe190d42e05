// The orders service as shipped, except that its EventBridge client acknowledges before publishing
// (./fire-and-forget-publish.ts, imported first so that it is in place before the relay starts).
import './fire-and-forget-publish';
import '../../../services/orders/main';
