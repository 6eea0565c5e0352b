// The compass search (scene/least_squares.h) on functions whose minimum is known: it finds it,
// keeps to its search box and never takes a trial whose rollouts diverged. Levenberg-Marquardt
// lengthens a step that helps while that helps more.

#include <gtest/gtest.h>

#include <algorithm>
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

// a residual that flattens away from the start, so the Gauss-Newton step from 0 (the tangent's
// root, theta = log 10 = 2.3) falls far short of the minimum at theta = 9
void Flattening(const Eigen::VectorXd& theta, int /*worker*/, double* r) {
  r[0] = std::log1p(std::max(theta[0], -0.99)) - std::log(10.0);
}

TEST(LevenbergMarquardtTest, AStepThatHelpsIsTakenFurtherWhileThatHelpsMore) {
  auto one_iteration = [](int doublings) {
    Eigen::VectorXd theta = Eigen::VectorXd::Zero(1);
    LeastSquaresOptions options;
    options.iterations = 1;
    options.threads = 1;
    options.delta = 1e-6;
    options.step_doublings = doublings;
    LevenbergMarquardt(1, Flattening, [](Eigen::VectorXd*) {}, options, &theta);
    return theta[0];
  };
  const double damped = one_iteration(0);
  EXPECT_GT(damped, 2.0);
  EXPECT_LT(damped, 2.4);  // the damped Gauss-Newton step alone
  // 2.3 -> 4.6 -> 9.2 (each better), 18.4 worse: stops at 9.2, next to the minimum
  EXPECT_NEAR(one_iteration(3), 4 * damped, 1e-9);
  EXPECT_NEAR(one_iteration(1), 2 * damped, 1e-9);  // no further than it is allowed
}

}  // namespace
}  // namespace mjhybrid::scene
