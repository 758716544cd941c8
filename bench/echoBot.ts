import { serveBaseline } from './baselineServer.js';

/** Baseline (a): the framework's floor. Same stack and authentication, answers every click with a fixed card. */
await serveBaseline('echo-bot', (context) => {
  const verb = (context.activity.value as { action?: { verb?: string } } | undefined)?.action?.verb ?? '';
  return Promise.resolve({
    status: 200,
    body: { statusCode: 200, type: 'application/vnd.microsoft.card.adaptive', value: { type: 'AdaptiveCard', version: '1.5', body: [{ type: 'TextBlock', text: `echo ${verb}` }] } },
  });
});
