import { emptyTexts, type ChartAttributes } from '../../../../src/core/chart/types';

/** A grouped bar chart's attributes, as the Vega scene reader reports them. */
export function barAttributes(over: Partial<ChartAttributes> = {}): ChartAttributes {
  return {
    source: 'vega',
    texts: {
      ...emptyTexts(),
      title: ['Quarterly revenue by region'],
      axisTitle: ['Quarter', 'Revenue (M$)'],
      axisLabel: ['Q1', 'Q2', 'Q3', 'Q4', '0', '20', '40', '60', '80', '100'],
      legendTitle: ['region'],
      legendLabel: ['North', 'South'],
    },
    types: ['bar'],
    markCounts: { bar: 8 },
    colors: ['bar--#1f77b4', 'bar--#ff7f0e'],
    layout: [{ nrows: 1, ncols: 1, row0: 0, row1: 0, col0: 0, col1: 0 }],
    layoutFacts: ['legends:1'],
    numbers: [19, 28, 43, 53, 55, 81, 87, 91],
    width: 430,
    height: 270,
    ...over,
  };
}
