-- The payouts of bench/run/reference.rebate, computed by DuckDB (bench/run/duckdb_run.mjs runs this file).
--
-- {{partners}}, {{sales}} and {{out}} are replaced by the script with the CSV paths and the output file.
-- Money is DECIMAL throughout (DECIMAL(18,2) cells, DECIMAL(38,x) sums and products); no DOUBLE is ever on
-- a money path: no `/` on decimals (conditions on ratios are cross-multiplied instead), rounding is done
-- with floor() on exact decimals. Every partner gets a line for every rebate and 2026 quarter, as in
-- `rebate run`. The rebate's clauses are applied in the language's order: eligible, require, pay,
-- accelerate, uplift, floor at zero, floor, cap, rounding.

-- Half-even (banker's) rounding of an exact decimal to cents; returns the cents as an exact decimal.
CREATE OR REPLACE MACRO cents_half_even(x) AS
    CASE WHEN x * 100 - floor(x * 100) > 0.5 THEN floor(x * 100) + 1
         WHEN x * 100 - floor(x * 100) < 0.5 THEN floor(x * 100)
         WHEN floor(x * 100) % 2 = 0 THEN floor(x * 100)
         ELSE floor(x * 100) + 1 END;

-- Half-up (a half goes away from zero).
CREATE OR REPLACE MACRO cents_half_up(x) AS
    CASE WHEN x < 0 THEN -floor(-x * 100 + 0.5) ELSE floor(x * 100 + 0.5) END;

-- Cents (an exact whole decimal) back to a DECIMAL(38,2) amount: a multiplication, never a division.
CREATE OR REPLACE MACRO from_cents(c) AS (c::DECIMAL(36,0) * 0.01::DECIMAL(2,2))::DECIMAL(38,2);

COPY (
WITH
partners AS (
    SELECT partner_id, tier, region, certified,
           list_position(['bronze', 'silver', 'gold', 'platinum'], tier) AS tier_rank
    FROM read_csv('{{partners}}', header = true, auto_detect = false, delim = ',', quote = '"',
                  escape = '"', new_line = '\r\n',
                  columns = {'partner_id': 'VARCHAR', 'name': 'VARCHAR', 'tier': 'VARCHAR',
                             'region': 'VARCHAR', 'certified': 'BOOLEAN'})
),
sales AS (
    SELECT *
    FROM read_csv('{{sales}}', header = true, auto_detect = false, delim = ',', quote = '"',
                  escape = '"', new_line = '\r\n',
                  columns = {'invoice_date': 'DATE', 'partner_id': 'VARCHAR', 'order_id': 'VARCHAR',
                             'line_no': 'INTEGER', 'sku': 'VARCHAR', 'family': 'VARCHAR',
                             'customer_id': 'VARCHAR', 'new_customer': 'BOOLEAN', 'quantity': 'INTEGER',
                             'unit_price': 'DECIMAL(18,2)', 'amount': 'DECIMAL(18,2)'})
),
-- The solution-selling group: the partner's orders of the quarter, with their hardware and support values.
-- (DuckDB's plan reads sales.csv for this and again for `measures` and `baseline`. A single scan grouped by
-- partner, quarter, order and customer, rolled up twice, was measured slower: 2.0 against 1.4 CPU s at 1M
-- lines; reading 2025's lines only for their revenue made DuckDB's query about 7% faster.)
orders AS (
    SELECT partner_id, year(invoice_date) AS y, quarter(invoice_date) AS q, order_id,
        coalesce(sum(amount) FILTER (family IN ('storage', 'all-flash', 'servers', 'networking')), 0)
            AS hardware_value,
        coalesce(sum(amount) FILTER (family = 'support'), 0) AS support_value
    FROM sales
    WHERE invoice_date BETWEEN DATE '2026-01-01' AND DATE '2026-12-31'
    GROUP BY ALL
),
order_measures AS (
    SELECT partner_id, y, q, count(*) FILTER (hardware_value > 0 AND support_value > 0) AS solution_orders
    FROM orders GROUP BY ALL
),
-- The line measures, per partner and quarter of 2026. Like the engine (which works out from the program
-- which periods each aggregate is read in), the query computes only what the payouts read: 2026's
-- measures and orders, and 2025's revenue for the growth baseline.
measures AS (
    SELECT partner_id, year(invoice_date) AS y, quarter(invoice_date) AS q,
        sum(amount) AS revenue,
        coalesce(sum(amount) FILTER (family IN ('storage', 'all-flash')), 0) AS storage_revenue,
        coalesce(sum(quantity) FILTER (family = 'licences'
                                       AND invoice_date BETWEEN DATE '2026-07-01' AND DATE '2026-08-15'), 0)
            AS promo_units,
        coalesce(sum(quantity) FILTER (family = 'licences'), 0) AS licence_units,
        count(DISTINCT customer_id) FILTER (new_customer AND amount > 0) AS new_logos,
        count(*) FILTER (family IN ('storage', 'all-flash', 'servers', 'networking') AND amount > 0)
            AS hardware_lines,
        count(*) FILTER (family = 'services' AND amount > 0) AS service_lines,
        coalesce(sum(amount) FILTER (family = 'services'), 0) AS service_revenue,
        coalesce(sum(amount) FILTER (family = 'support'), 0) AS support_revenue,
        coalesce(sum(amount) FILTER (family = 'cloud'), 0) AS cloud_revenue
    FROM sales
    WHERE invoice_date BETWEEN DATE '2026-01-01' AND DATE '2026-12-31'
    GROUP BY ALL
),
-- Last year's revenue, the growth baseline: the only measure read for 2025.
baseline AS (
    SELECT partner_id, quarter(invoice_date) AS q, sum(amount) AS revenue
    FROM sales
    WHERE invoice_date BETWEEN DATE '2025-01-01' AND DATE '2025-12-31'
    GROUP BY ALL
),
-- Every partner x every quarter of 2026 (the program's effective range), with this quarter's measures
-- and the same quarter of 2025 as the baseline. A partner with no lines has zero sums and counts.
pq AS (
    SELECT p.partner_id, p.tier_rank, p.region, p.tier, p.certified, qs.q,
        '2026-Q' || qs.q AS period,
        coalesce(m.revenue, 0) AS revenue,
        coalesce(m.storage_revenue, 0) AS storage_revenue,
        coalesce(m.promo_units, 0) AS promo_units,
        coalesce(m.licence_units, 0) AS licence_units,
        coalesce(m.new_logos, 0) AS new_logos,
        coalesce(m.hardware_lines, 0) AS hardware_lines,
        coalesce(m.service_lines, 0) AS service_lines,
        coalesce(m.service_revenue, 0) AS service_revenue,
        coalesce(m.support_revenue, 0) AS support_revenue,
        coalesce(m.cloud_revenue, 0) AS cloud_revenue,
        coalesce(o.solution_orders, 0) AS solution_orders,
        coalesce(b.revenue, 0) AS baseline
    FROM partners p
    CROSS JOIN (SELECT range::INTEGER AS q FROM range(1, 5)) qs
    LEFT JOIN measures m ON m.partner_id = p.partner_id AND m.y = 2026 AND m.q = qs.q
    LEFT JOIN baseline b ON b.partner_id = p.partner_id AND b.q = qs.q
    LEFT JOIN order_measures o ON o.partner_id = p.partner_id AND o.y = 2026 AND o.q = qs.q
),
-- Unrounded payouts (exact decimals), after eligibility, gates, accelerators, uplifts, floor and cap.
raw AS (
    -- storage_volume: retroactive 2% / 4% / 6% at 100k / 500k, cap 50k, silver and above.
    SELECT partner_id, period, 'storage_volume' AS rebate, 'half_even' AS mode,
        CASE WHEN tier_rank < 2 THEN 0
             ELSE least(greatest(
                 CASE WHEN storage_revenue < 0 THEN 0
                      WHEN storage_revenue < 100000 THEN storage_revenue * 0.02
                      WHEN storage_revenue < 500000 THEN storage_revenue * 0.04
                      ELSE storage_revenue * 0.06 END, 0), 50000) END::DECIMAL(38,6) AS x
    FROM pq
    UNION ALL
    -- revenue_incremental: 0% to 250k, 1% to 1M, 2% above (each slice at its own rate).
    SELECT partner_id, period, 'revenue_incremental', 'half_even',
        greatest(
            (least(greatest(revenue, 250000), 1000000) - 250000) * 0.01
            + (greatest(revenue, 1000000) - 1000000) * 0.02, 0)::DECIMAL(38,6)
    FROM pq
    UNION ALL
    -- licence_spiff: 25 USD per licence unit in 2026-07-01 .. 2026-08-15.
    SELECT partner_id, period, 'licence_spiff', 'half_even', greatest(25 * promo_units, 0)::DECIMAL(38,6)
    FROM pq
    UNION ALL
    -- new_logo_bonus: 500 USD per distinct new customer.
    SELECT partner_id, period, 'new_logo_bonus', 'half_even', greatest(500 * new_logos, 0)::DECIMAL(38,6)
    FROM pq
    UNION ALL
    -- sell_through: 2% of revenue, uplift 1% of revenue when certified.
    SELECT partner_id, period, 'sell_through', 'half_even',
        greatest(revenue * 0.02 + CASE WHEN certified THEN revenue * 0.01 ELSE 0 END, 0)::DECIMAL(38,6)
    FROM pq
    UNION ALL
    -- growth_rebate: require growth rate > 10% (0% when baseline <= 0), pay 3% of growth capped at 500k,
    -- accelerate 150% when growth rate > 30%. growth / baseline > r is written growth > r * baseline.
    SELECT partner_id, period, 'growth_rebate', 'half_even',
        CASE WHEN baseline > 0 AND revenue - baseline > 0.10 * baseline
             THEN greatest(least(revenue - baseline, 500000) * 0.03
                           * CASE WHEN revenue - baseline > 0.30 * baseline THEN 1.5 ELSE 1 END, 0)
             ELSE 0 END::DECIMAL(38,6)
    FROM pq
    UNION ALL
    -- service_attach: require service_lines / hardware_lines >= 30% (0% without hardware lines),
    -- pay 2% of service revenue.
    SELECT partner_id, period, 'service_attach', 'half_even',
        CASE WHEN hardware_lines > 0 AND 10 * service_lines >= 3 * hardware_lines
             THEN greatest(service_revenue * 0.02, 0) ELSE 0 END::DECIMAL(38,6)
    FROM pq
    UNION ALL
    -- licence_target: 10,000 USD when licence units >= 1,000.
    SELECT partner_id, period, 'licence_target', 'half_even',
        CASE WHEN licence_units >= 1000 THEN 10000 ELSE 0 END::DECIMAL(38,6)
    FROM pq
    UNION ALL
    -- support_rebate: require revenue >= 100k, pay 4% of support revenue.
    SELECT partner_id, period, 'support_rebate', 'half_even',
        CASE WHEN revenue >= 100000 THEN greatest(support_revenue * 0.04, 0) ELSE 0 END::DECIMAL(38,6)
    FROM pq
    UNION ALL
    -- cloud_rebate: the decision table's rate by region and tier, of cloud revenue, rounded half-up.
    SELECT partner_id, period, 'cloud_rebate', 'half_up',
        greatest(cloud_revenue *
            CASE WHEN region = 'emea' AND tier = 'platinum' THEN 0.06
                 WHEN region = 'emea' THEN 0.05
                 WHEN region = 'amer' AND tier_rank >= 3 THEN 0.055
                 WHEN region = 'apac' AND tier IN ('gold', 'platinum') THEN 0.045
                 ELSE 0.04 END, 0)::DECIMAL(38,6)
    FROM pq
    UNION ALL
    -- solution_bonus: 150 USD per order with hardware and support.
    SELECT partner_id, period, 'solution_bonus', 'half_even',
        greatest(150 * solution_orders, 0)::DECIMAL(38,6)
    FROM pq
)
SELECT partner_id AS partner, period, rebate,
       from_cents(CASE mode WHEN 'half_up' THEN cents_half_up(x) ELSE cents_half_even(x) END)::VARCHAR
           AS amount
FROM raw
ORDER BY partner, period, rebate
) TO '{{out}}' (FORMAT csv, HEADER true);
