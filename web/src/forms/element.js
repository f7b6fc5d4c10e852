// One DOM helper for the forms and the outbox: an element with attributes and children.
// `text` sets its text, `className` its classes; false, null and undefined attributes are
// left out, true ones are written empty (as HTML's boolean attributes).

export function element(tag, attributes = {}, children = []) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'text') node.textContent = value;
    else if (name === 'className') node.className = value;
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children) if (child) node.append(child);
  return node;
}
