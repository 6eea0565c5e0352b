// The compass search (scene/least_squares.h) on functions whose minimum is known: it finds it,
// keeps to its search box and never takes a trial whose rollouts diverged.

#include <gtest/gtest.h>

#include <cmath>

#include "scene/least_squares.h"

namespace mjhybrid::scene {
namespace {

// residuals of a valley along theta0 = theta1, minimum at (2, 2): across the valley the cost
// rises 25 times faster than along it
void Valley(const Eigen::VectorXd& theta, int /*worker*/, double* r) {
  r[0] = 5 * (theta[0] - theta[1]);
  r[1] = theta[0] + theta[1] - 4;
}

// a round bowl, minimum at (1, -0.5)
void Bowl(const Eigen::VectorXd& theta, int /*worker*/, double* r) {
  r[0] = theta[0] - 1;
  r[1] = theta[1] + 0.5;
}

TEST(CompassSearchTest, FindsTheMinimumOfABowl) {
  Eigen::VectorXd theta = Eigen::VectorXd::Zero(2);
  CompassOptions options;
  options.sweeps = 20;
  options.min_step = 1e-3;
  const LeastSquaresResult fit = CompassSearch(2, Bowl, [](Eigen::VectorXd*) {}, options, &theta);
  EXPECT_NEAR(theta[0], 1, 2e-3);
  EXPECT_NEAR(theta[1], -0.5, 2e-3);
  EXPECT_LT(fit.final_cost, 1e-4 * fit.initial_cost);
}

TEST(CompassSearchTest, StaysInsideTheBoundAndNeverRaisesTheCost) {
  Eigen::VectorXd theta = Eigen::VectorXd::Zero(2);
  CompassOptions options;
  options.sweeps = 20;
  options.min_step = 1e-3;
  // the box [-1, 1]^2 excludes the minimum: the best point inside is on the corner (1, 1)
  auto box = [](Eigen::VectorXd* t) { *t = t->cwiseMax(-1).cwiseMin(1); };
  const LeastSquaresResult fit = CompassSearch(2, Valley, box, options, &theta);
  EXPECT_NEAR(theta[0], 1, 0.02);
  EXPECT_NEAR(theta[1], 1, 0.02);
  EXPECT_LE(fit.final_cost, fit.initial_cost);
}

TEST(CompassSearchTest, ANonFiniteTrialIsNeverTaken) {
  // the cost is NaN right of theta0 = 0.2 (a rollout that diverged): the search must stay left
  auto diverging = [](const Eigen::VectorXd& theta, int, double* r) {
    r[0] = theta[0] > 0.2 ? NAN : theta[0] - 1;
  };
  Eigen::VectorXd theta = Eigen::VectorXd::Zero(1);
  CompassOptions options;
  options.min_step = 1e-3;
  const LeastSquaresResult fit = CompassSearch(1, diverging, [](Eigen::VectorXd*) {}, options, &theta);
  EXPECT_TRUE(std::isfinite(fit.final_cost));
  EXPECT_LE(theta[0], 0.2);
  EXPECT_GT(theta[0], 0.1);
}

}  // namespace
}  // namespace mjhybrid::scene
