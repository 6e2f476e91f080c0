// Package scoring holds finhealth's questionnaires and the pure functions that turn a
// set of answers into a 0-100 financial-health score with recommendations.
//
// # Method
//
// The structure is borrowed from the Financial Health Network's FinHealth Score, the
// best-documented survey method for financial health; only the structure is borrowed,
// its wording is trademarked and the questions here are our own, written for small
// businesses rather than households:
//
//   - Every question is single-choice, and every option carries fixed points from 0 to
//     100. The points are deliberately uneven (for example 100 / 85 / 40 / 0) because
//     the distance between answers is not linear: 45 days of cash is nearly as safe as
//     90, while 15 days is much closer to trouble than to the median of 27.
//   - Questions are grouped into five pillars, the combined score's: liquidity,
//     profitability and growth, debt and solvency, receivables, and planning and
//     controls. A pillar's score is the mean of its applicable items' points, and the
//     overall score is the plain mean of the pillar scores, so a pillar with four
//     questions weighs no more than one with three.
//   - An option marked not applicable (a question that cannot apply to the business,
//     such as sales growth for one trading under two years) earns nothing and leaves
//     its item out of the pillar's mean; a pillar with no applicable item has no score
//     and leaves the overall mean. An option marked unknown ("I don't know") may earn
//     no more than the question's worst real answer, so that not knowing never pays. Pillar scores are
//     rounded to one decimal before the overall mean is taken, so the overall score is
//     exactly the mean of the numbers the user sees; the rounding is done on integer
//     tenths (half away from zero) so that it never depends on float representation.
//   - Tiers follow the FinHealth cut-offs: vulnerable below 40, coping from 40, healthy
//     from 80.
//
// Numeric facts (days of cash, margin, share of overdue invoices) are asked as bands
// and never scored linearly. An option's numeric range is written in the data next to
// its label; the loader refuses overlapping ranges, and a question that names a book
// metric must have exactly that metric's bands and points, so the answers and the
// books judge a number alike. The predecessor of this application scored monthly
// revenue / $1M x 100 with no cap, so a sound business with $50k a month scored 5; a
// band encodes what a number means for a small business (net margin of 10-20% is
// strong, under 5% thin) and bounds every item to 0-100.
//
// # Versioned data
//
// Questionnaires live in questionnaires/<id>-v<version>.json, embedded in the binary
// and parsed and validated when the package is initialised, so a broken file stops
// the program at once instead of mis-scoring assessments. A version is immutable once
// released: a change in wording, options or points is a new file with a new version,
// and each assessment records the questionnaire version and the algorithm version it
// was scored with: AlgorithmVersion (sbfhc-mean-v2) for new versions, sbfhc-mean-v1 for
// version 1, which has no not-applicable options and so scores the same either way. The points and the recommendation texts are kept in the same file,
// next to the options they belong to, but points never leave the server: the domain
// type hides them from JSON so the published questionnaire does not steer answers.
//
// # Recommendations
//
// Every pillar below 80 is a weak pillar. The three weakest (ties in questionnaire
// order) each get one recommendation, priority 1 being the weakest, built from the
// advice written for its lowest-scoring answers under 60 points; a weak pillar with no
// such answer gets the pillar's general advice. A business with every pillar at 80 or
// more gets one maintenance recommendation pointing at its lowest pillar.
package scoring
