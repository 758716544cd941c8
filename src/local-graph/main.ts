// `npm run local-graph`: the local Graph Bookings service on its own, for a bot started with GRAPH_BASE_URL pointing at it.
import { LocalGraphService } from './server.js';

const port = Number(process.env.LOCAL_GRAPH_PORT ?? 3979);
const service = new LocalGraphService({ port });
const url = await service.start();
process.stdout.write(`Local Graph Bookings service on ${url} (token endpoint: POST ${url}local/token)\n`);
const stop = () => void service.stop().then(() => process.exit(0));
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
