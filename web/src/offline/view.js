// The outbox shown to the person: what waits to be sent, written when, and why the server
// refused what it refused, with a way to send now and to discard. Redrawn whenever the
// outbox changes (`OUTBOX_EVENT`).

import { element } from '../forms/element.js';
import { OUTBOX_EVENT, discard, flushOutbox, pending } from './outbox.js';
import { problemMessage } from '../forms/problems.js';


/**
 * Renders the outbox into `container` and keeps it current. Returns a function that stops
 * keeping it current.
 * @param {HTMLElement} container
 * @param {(key: string, params?: object) => string} tr
 * @param {{lang?: string, transport?: object}} [options]
 */
export function renderOutbox(container, tr, options = {}) {
  const section = element('section', { className: 'forms-outbox', 'aria-labelledby': 'forms-outbox-title' });
  const title = element('h3', { id: 'forms-outbox-title' });
  const list = element('ul', { className: 'forms-outbox-items' });
  const sendNow = element('button', { type: 'button', className: 'forms-send-now', text: tr('forms.outbox.send_now') });
  const status = element('p', { className: 'forms-outbox-status', role: 'status', 'aria-live': 'polite' });
  section.append(title, list, sendNow, status);
  container.append(section);
  const format = new Intl.DateTimeFormat(options.lang ?? 'en', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' });

  const draw = async () => {
    const items = await pending();
    section.hidden = items.length === 0;
    title.textContent = tr('forms.outbox.title', { count: items.length });
    list.replaceChildren(
      ...items.map((item) => {
        const when = item.body?.when?.start ? format.format(new Date(item.body.when.start)) : '';
        const problem = item.last_problem;
        const remove = element('button', { type: 'button', className: 'forms-discard', text: tr('forms.outbox.discard') });
        remove.addEventListener('click', () => discard(item.outbox_id));
        return element('li', { className: 'forms-outbox-item', 'data-outbox-id': item.outbox_id }, [
          element('span', { text: tr(`forms.job.${item.command}`) }),
          element('span', { text: ` · ${tr('forms.outbox.written', { when: format.format(new Date(item.written_at)) })}` }),
          when ? element('span', { text: ` · ${tr('forms.outbox.happened', { when })}` }) : null,
          element('span', {
            className: problem ? 'forms-outbox-refused' : 'forms-outbox-waiting',
            text: ` · ${problem ? tr('forms.outbox.refused', { detail: problemMessage(problem, tr) }) : tr('forms.outbox.waiting')}`,
          }),
          ' ',
          remove,
        ]);
      }),
    );
  };
  sendNow.addEventListener('click', async () => {
    status.textContent = tr('forms.outbox.sending');
    const { sent, left } = await flushOutbox({}, options.transport ?? {});
    status.textContent = tr('forms.outbox.result', { sent: sent.length, left });
  });
  const onChange = () => {
    draw();
  };
  globalThis.addEventListener(OUTBOX_EVENT, onChange);
  draw();
  return () => globalThis.removeEventListener(OUTBOX_EVENT, onChange);
}
