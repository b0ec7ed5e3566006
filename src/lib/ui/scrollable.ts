/**
 * A Svelte action for boxes that may scroll (code blocks, tables, hex dumps): when their content
 * overflows they become a focusable, labelled region, so keyboard users can scroll them too;
 * when it fits they stay out of the tab order.
 */
export function scrollable(node: HTMLElement, label: string) {
  const update = () => {
    const over =
      node.scrollWidth > node.clientWidth + 1 || node.scrollHeight > node.clientHeight + 1;
    if (over) {
      node.tabIndex = 0;
      node.setAttribute('role', 'region');
      node.setAttribute('aria-label', label);
    } else {
      node.removeAttribute('tabindex');
      node.removeAttribute('role');
      node.removeAttribute('aria-label');
    }
  };
  // The observer's first call comes after layout, before paint: measuring here at mount would
  // force a layout per box while a whole step is being drawn.
  const resize = new ResizeObserver(update);
  resize.observe(node);
  const content = new MutationObserver(update);
  content.observe(node, { childList: true, subtree: true, characterData: true });
  return {
    update(next: string) {
      label = next;
      update();
    },
    destroy() {
      resize.disconnect();
      content.disconnect();
    },
  };
}
