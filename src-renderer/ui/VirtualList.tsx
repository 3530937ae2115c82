import { useEffect, useRef, useState, type ReactNode } from 'react';

/**
 * A windowed list: only the rows in view (plus a margin) exist in the DOM, so a history of a
 * million calls scrolls as smoothly as one of ten, and the DOM does not grow call after call.
 * Rows have a fixed height. `onNearEnd` asks for the next keyset page before the user gets there.
 */
export function VirtualList<T>(props: {
  items: readonly T[];
  rowHeight: number;
  height: number;
  renderRow: (item: T, index: number) => ReactNode;
  onNearEnd?: () => void;
  testId?: string;
}) {
  const { items, rowHeight, height, renderRow, onNearEnd } = props;
  const [scrollTop, setScrollTop] = useState(0);
  const container = useRef<HTMLDivElement>(null);
  const overscan = 6;
  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - overscan);
  const last = Math.min(items.length, Math.ceil((scrollTop + height) / rowHeight) + overscan);

  useEffect(() => {
    if (onNearEnd && last >= items.length - overscan && items.length > 0) onNearEnd();
  }, [last, items.length, onNearEnd]);

  return (
    <div ref={container} className="virtual-list" style={{ height, overflowY: 'auto' }} onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)} data-testid={props.testId}>
      <div style={{ height: items.length * rowHeight, position: 'relative' }}>
        {items.slice(first, last).map((item, offset) => (
          <div key={first + offset} style={{ position: 'absolute', top: (first + offset) * rowHeight, left: 0, right: 0, height: rowHeight }}>
            {renderRow(item, first + offset)}
          </div>
        ))}
      </div>
    </div>
  );
}
