"""Statistics: negative log-likelihoods and losses as a statistician writes them.

Normal, Student-t, Poisson, gamma, beta and negative-binomial likelihoods (with
``scipy.special.gammaln``/``betaln``/``digamma`` and ``scipy.stats`` log-densities),
hierarchical and mixed models (``np.linalg.slogdet``), GLMs, AR(1)/ARMA(1,1)
likelihoods computed with loops, a Kalman-filter log-likelihood, a kernel density
estimate, quantile/Huber regression losses and bootstrap-weighted estimators.
"""

from __future__ import annotations

import math
from collections import namedtuple
from dataclasses import dataclass

import numpy as np
from corpus import Program
from scipy import stats
from scipy.linalg import cho_factor, cho_solve
from scipy.special import betaln, digamma, expit, gammaln, logsumexp

LOG_2PI = np.log(2.0 * np.pi)


# --------------------------------------------------------------------------- normal

def normal_nll(theta, y):
    """Negative log-likelihood of iid N(mu, sigma^2), sigma on the log scale."""
    mu, log_sigma = theta[0], theta[1]
    sigma = np.exp(log_sigma)
    n = len(y)
    resid = (y - mu) / sigma
    return 0.5 * n * LOG_2PI + n * log_sigma + 0.5 * np.sum(resid ** 2)


def _normal_args(rng):
    y = 1.5 + 0.8 * rng.standard_normal(40)
    return (np.array([1.2, -0.1]), y)


# --------------------------------------------------------------------- Student-t

def t_logpdf(x, df, loc, scale):
    z = (x - loc) / scale
    return (gammaln((df + 1) / 2) - gammaln(df / 2) - 0.5 * np.log(df * np.pi)
            - np.log(scale) - (df + 1) / 2 * np.log1p(z ** 2 / df))


def robust_regression_nll(params, X, y):
    """Linear regression with Student-t errors; the degrees of freedom are estimated."""
    beta = params["beta"]
    scale = np.exp(params["log_scale"])
    df = 2.0 + np.exp(params["log_df_minus_2"])
    mu = X @ beta
    ll = t_logpdf(y, df, mu, scale)
    return -np.sum(ll)


def _robust_args(rng):
    X = np.column_stack([np.ones(30), rng.standard_normal((30, 2))])
    y = X @ np.array([0.5, -1.0, 2.0]) + 0.3 * rng.standard_t(4, size=30)
    params = {"beta": np.array([0.4, -0.9, 1.8]), "log_scale": -1.0,
              "log_df_minus_2": 0.7}
    return (params, X, y)


def scipy_t_location_nll(loc, log_scale, y):
    """Same model, using scipy.stats.t directly."""
    return -np.sum(stats.t.logpdf(y, 5.0, loc=loc, scale=np.exp(log_scale)))


def _scipy_t_args(rng):
    y = 2.0 + rng.standard_t(5, size=25)
    return (1.7, 0.2, y)


# ----------------------------------------------------------------- Poisson GLM

def poisson_glm_nll(beta, X, y, offset):
    """Poisson regression with log link and exposure offset, ridge-penalized."""
    eta = X @ beta + offset
    mu = np.exp(eta)
    ll = y * eta - mu - gammaln(y + 1.0)
    return -ll.sum() + 0.5 * 0.1 * beta @ beta


def _poisson_args(rng):
    X = np.column_stack([np.ones(35), rng.uniform(-1, 1, (35, 3))])
    offset = np.log(rng.uniform(0.5, 2.0, 35))
    y = rng.poisson(np.exp(X @ np.array([0.3, 0.5, -0.4, 0.2]) + offset)).astype(float)
    return (np.array([0.2, 0.4, -0.3, 0.1]), X, y, offset)


# ---------------------------------------------------------------- gamma model

def gamma_regression_nll(params, x, y):
    """Gamma GLM (log link) with shape parameter; loop over observations."""
    a0, a1 = params["coef"]
    shape = np.exp(params["log_shape"])
    total = 0.0
    for xi, yi in zip(x, y):
        mean = np.exp(a0 + a1 * xi)
        rate = shape / mean
        total += (shape * np.log(rate) - gammaln(shape)
                  + (shape - 1.0) * np.log(yi) - rate * yi)
    return -total


def _gamma_args(rng):
    x = rng.uniform(0, 2, 20)
    y = rng.gamma(3.0, np.exp(0.5 + 0.3 * x) / 3.0)
    return ({"coef": np.array([0.4, 0.35]), "log_shape": 1.0}, x, y)


# ------------------------------------------------------------------ beta model

def beta_regression_nll(beta, log_phi, X, y):
    """Beta regression (Ferrari & Cribari-Neto): logit mean, precision phi."""
    mu = expit(X @ beta)
    phi = np.exp(log_phi)
    a = mu * phi
    b = (1.0 - mu) * phi
    ll = (a - 1) * np.log(y) + (b - 1) * np.log1p(-y) - betaln(a, b)
    return -np.sum(ll)


def _beta_args(rng):
    X = np.column_stack([np.ones(30), rng.standard_normal(30)])
    mu = expit(X @ np.array([-0.2, 0.8]))
    y = rng.beta(mu * 12, (1 - mu) * 12)
    return (np.array([-0.1, 0.7]), 2.3, X, y)


# ---------------------------------------------------------- negative binomial

NBParams = namedtuple("NBParams", ["log_mu", "log_r"])


def nb_logpmf(k, mu, r):
    return (gammaln(k + r) - gammaln(r) - gammaln(k + 1)
            + r * np.log(r / (r + mu)) + k * np.log(mu / (r + mu)))


def negbin_grouped_nll(log_mu, log_r, counts_by_group):
    """Overdispersed counts, one mean per group, shared dispersion."""
    p = NBParams(log_mu, log_r)
    r = np.exp(p.log_r)
    nll = 0.0
    for g, counts in enumerate(counts_by_group):
        mu = np.exp(p.log_mu[g])
        nll -= np.sum(nb_logpmf(counts, mu, r))
    return nll


def _negbin_args(rng):
    groups = []
    for m in (2.0, 5.0, 9.0, 3.5):
        groups.append(rng.negative_binomial(3.0, 3.0 / (3.0 + m), size=12).astype(float))
    return (np.log(np.array([2.2, 4.5, 8.0, 3.0])), 1.0, groups)


# ------------------------------------------------------------ hierarchical model

def eight_schools_neg_log_post(params, y, sigma):
    """Non-centred hierarchical normal model (eight schools), negative log posterior."""
    mu = params["mu"]
    tau = np.exp(params["log_tau"])
    eta = params["eta"]
    theta = mu + tau * eta
    lp = 0.0
    lp += stats.norm.logpdf(mu, 0.0, 5.0)
    lp += stats.cauchy.logpdf(tau, 0.0, 5.0) + params["log_tau"]  # Jacobian
    lp += np.sum(stats.norm.logpdf(eta, 0.0, 1.0))
    lp += np.sum(stats.norm.logpdf(y, theta, sigma))
    return -lp


def _schools_args(rng):
    y = np.array([28.0, 8.0, -3.0, 7.0, -1.0, 1.0, 18.0, 12.0])
    sigma = np.array([15.0, 10.0, 16.0, 11.0, 9.0, 11.0, 10.0, 18.0])
    params = {"mu": 4.0, "log_tau": 1.2, "eta": 0.5 * rng.standard_normal(8)}
    return (params, y, sigma)


# --------------------------------------------------------------- logistic GLM

def logistic_map_loss(w, X, y, prior_scale=2.0):
    """Bayesian logistic regression: negative log posterior with a Gaussian prior."""
    logits = X @ w
    # log(1 + exp(-s)) computed stably for y in {0, 1}
    nll = np.sum(np.logaddexp(0.0, logits) - y * logits)
    log_prior = -0.5 * np.sum((w / prior_scale) ** 2)
    return nll - log_prior


def _logistic_args(rng):
    X = np.column_stack([np.ones(40), rng.standard_normal((40, 3))])
    p = expit(X @ np.array([-0.5, 1.0, -2.0, 0.5]))
    y = (rng.uniform(size=40) < p).astype(float)
    return (np.array([-0.3, 0.8, -1.5, 0.4]), X, y)


# -------------------------------------------------------------------- AR / ARMA

def ar1_exact_nll(phi, sigma2, c, y):
    """Exact Gaussian likelihood of a stationary AR(1), stationary start included."""
    n = len(y)
    mean0 = c / (1.0 - phi)
    var0 = sigma2 / (1.0 - phi ** 2)
    nll = 0.5 * (np.log(2 * np.pi * var0) + (y[0] - mean0) ** 2 / var0)
    for t in range(1, n):
        e = y[t] - c - phi * y[t - 1]
        nll += 0.5 * (np.log(2 * np.pi * sigma2) + e ** 2 / sigma2)
    return nll


def _ar1_args(rng):
    y = np.zeros(30)
    y[0] = 1.0
    for t in range(1, 30):
        y[t] = 0.3 + 0.6 * y[t - 1] + 0.5 * rng.standard_normal()
    return (0.55, 0.3, 0.25, y)


def arma11_css(params, y):
    """Conditional sum of squares for ARMA(1,1), residuals filled in place."""
    phi, theta, log_s2 = params
    s2 = np.exp(log_s2)
    n = len(y)
    eps = np.zeros(n)
    for t in range(1, n):
        eps[t] = y[t] - phi * y[t - 1] - theta * eps[t - 1]
    css = np.sum(eps[1:] ** 2)
    return 0.5 * (n - 1) * (np.log(2 * np.pi) + log_s2) + 0.5 * css / s2


def _arma_args(rng):
    e = rng.standard_normal(41)
    y = np.zeros(41)
    for t in range(1, 41):
        y[t] = 0.5 * y[t - 1] + e[t] + 0.3 * e[t - 1]
    return (np.array([0.45, 0.25, 0.1]), y[1:])


# ---------------------------------------------------------------- Kalman filter

@dataclass
class LocalLinearTrend:
    """y_t = level_t + eps; level_{t+1} = level_t + slope_t + eta; slope random walk."""
    log_obs_var: float
    log_level_var: float
    log_slope_var: float


def kalman_loglik(model: LocalLinearTrend, y):
    T = np.array([[1.0, 1.0], [0.0, 1.0]])
    Z = np.array([1.0, 0.0])
    H = np.exp(model.log_obs_var)
    Q = np.diag([np.exp(model.log_level_var), np.exp(model.log_slope_var)])
    a = np.array([y[0], 0.0])
    P = np.eye(2) * 10.0
    loglik = 0.0
    for t in range(len(y)):
        v = y[t] - Z @ a
        F = Z @ P @ Z + H
        K = P @ Z / F
        loglik += -0.5 * (LOG_2PI + np.log(F) + v * v / F)
        a = a + K * v
        P = P - np.outer(K, Z @ P)
        a = T @ a
        P = T @ P @ T.T + Q
    return loglik


def kalman_nll(theta, y):
    model = LocalLinearTrend(theta[0], theta[1], theta[2])
    return -kalman_loglik(model, y)


def _kalman_args(rng):
    level, slope = 0.0, 0.1
    y = []
    for _ in range(25):
        y.append(level + 0.5 * rng.standard_normal())
        slope += 0.05 * rng.standard_normal()
        level += slope + 0.2 * rng.standard_normal()
    return (np.array([-1.2, -3.0, -5.0]), np.array(y))


# ------------------------------------------------------------------------ KDE

def kde_loo_nll(log_h, data):
    """Leave-one-out likelihood cross-validation of a Gaussian KDE bandwidth."""
    h = math.exp(log_h)
    n = len(data)
    diff = (data[:, None] - data[None, :]) / h
    K = np.exp(-0.5 * diff ** 2) / np.sqrt(2 * np.pi)
    np.fill_diagonal(K, 0.0)
    dens = K.sum(axis=1) / ((n - 1) * h)
    return -np.sum(np.log(dens))


def _kde_args(rng):
    data = np.concatenate([rng.normal(-1.0, 0.5, 15), rng.normal(1.5, 0.8, 15)])
    return (np.log(0.4), data)


def kde_mixture_fit(weights_logits, centers, x_eval, target_density):
    """Fit a weighted KDE (mixture of Gaussians at fixed bandwidth) to a target density."""
    h = 0.3
    log_w = weights_logits - logsumexp(weights_logits)
    comps = stats.norm.logpdf(x_eval[:, None], loc=centers[None, :], scale=h)
    log_dens = logsumexp(comps + log_w[None, :], axis=1)
    return np.sum((np.exp(log_dens) - target_density) ** 2)


def _kde_mix_args(rng):
    centers = np.linspace(-2, 2, 9) + 0.05 * rng.standard_normal(9)
    x_eval = np.linspace(-3, 3, 25)
    target = 0.6 * stats.norm.pdf(x_eval, -0.8, 0.5) + 0.4 * stats.norm.pdf(x_eval, 1.0, 0.4)
    return (0.3 * rng.standard_normal(9), centers, x_eval, target)


# --------------------------------------------------------- quantile and Huber

def pinball(u, tau):
    return np.where(u >= 0, tau * u, (tau - 1.0) * u)


def multi_quantile_loss(B, X, y, taus=(0.1, 0.5, 0.9)):
    """Simultaneous linear quantile regression; column j of B is the tau_j fit."""
    total = 0.0
    for j, tau in enumerate(taus):
        resid = y - X @ B[:, j]
        total += pinball(resid, tau).mean()
    # soft non-crossing penalty between consecutive quantiles
    Q = X @ B
    crossing = np.maximum(Q[:, :-1] - Q[:, 1:], 0.0)
    return total + 10.0 * np.sum(crossing ** 2)


def _quantile_args(rng):
    X = np.column_stack([np.ones(30), rng.uniform(0, 1, 30)])
    y = 1.0 + 2.0 * X[:, 1] + (0.5 + X[:, 1]) * rng.standard_normal(30)
    B = np.array([[0.3, 1.0, 1.7], [1.2, 2.1, 3.3]]) + 0.01 * rng.standard_normal((2, 3))
    return (B, X, y)


def huber(r, delta):
    a = np.abs(r)
    return np.where(a <= delta, 0.5 * r ** 2, delta * (a - 0.5 * delta))


def huber_scale_loss(beta, log_sigma, X, y, delta=1.345):
    """Huber regression with concomitant scale (Huber's 'Proposal 2' objective)."""
    sigma = np.exp(log_sigma)
    r = (y - X @ beta) / sigma
    n = len(y)
    return n * sigma * 0.5 + sigma * np.sum(huber(r, delta))


def _huber_args(rng):
    X = np.column_stack([np.ones(30), rng.standard_normal((30, 2))])
    y = X @ np.array([1.0, 0.5, -0.7]) + 0.4 * rng.standard_normal(30)
    y[::7] += 4.0  # outliers
    return (np.array([0.9, 0.45, -0.6]), -0.8, X, y)


# ---------------------------------------------------------------- bootstrap

def bootstrap_weighted_stats(theta, y, boot_weights):
    """Bayesian-bootstrap replicates of a weighted mean and variance; the loss is the
    average squared distance of theta=(mean, log sd) from each replicate."""
    losses = []
    for w in boot_weights:
        w = w / w.sum()
        m = np.sum(w * y)
        v = np.sum(w * (y - m) ** 2)
        losses.append((theta[0] - m) ** 2 + (theta[1] - 0.5 * np.log(v)) ** 2)
    return np.mean(losses)


def _boot_args(rng):
    y = rng.gamma(2.0, 1.5, 20)
    W = rng.dirichlet(np.ones(20), size=6)
    return (np.array([2.5, 0.7]), y, W)


def weighted_mean_sensitivity(y, w):
    """Self-normalised importance-weighted mean and its effective sample size,
    differentiated w.r.t. both the data and the weights."""
    w_norm = w / np.sum(w)
    est = np.dot(w_norm, y)
    ess = 1.0 / np.sum(w_norm ** 2)
    return est + 0.01 * ess


def _wmean_args(rng):
    return (rng.standard_normal(15), rng.uniform(0.5, 2.0, 15))


# ---------------------------------------------------------------- mixed model

def lmm_neg_loglik(theta, X, Z, y):
    """Linear mixed model y ~ N(X beta, s2 I + tau2 Z Z^T), marginal likelihood."""
    p = X.shape[1]
    beta = theta[:p]
    log_s2, log_tau2 = theta[p], theta[p + 1]
    n = len(y)
    V = np.exp(log_s2) * np.eye(n) + np.exp(log_tau2) * Z @ Z.T
    r = y - X @ beta
    sign, logdet = np.linalg.slogdet(V)
    alpha = np.linalg.solve(V, r)
    return 0.5 * (n * LOG_2PI + logdet + r @ alpha)


def _lmm_args(rng):
    groups = np.repeat(np.arange(4), 4)
    Z = np.zeros((16, 4))
    Z[np.arange(16), groups] = 1.0
    X = np.column_stack([np.ones(16), rng.standard_normal(16)])
    u = 0.8 * rng.standard_normal(4)
    y = X @ np.array([1.0, 0.5]) + Z @ u + 0.4 * rng.standard_normal(16)
    return (np.array([0.9, 0.45, np.log(0.2), np.log(0.5)]), X, Z, y)


# ---------------------------------------------------------- variational Poisson

def gamma_poisson_elbo(q_shape_log, q_rate_log, counts, a0=1.0, b0=1.0):
    """Mean-field ELBO for Poisson rates lambda_i ~ Gamma(a0, b0), q_i Gamma(a_i, b_i)
    (one rate per unit, several counts each); returns the negative ELBO."""
    a = np.exp(q_shape_log)
    b = np.exp(q_rate_log)
    E_lam = a / b
    E_loglam = digamma(a) - np.log(b)
    n_obs = counts.shape[1]
    lik = np.sum(counts.sum(axis=1) * E_loglam - n_obs * E_lam) - np.sum(gammaln(counts + 1))
    prior = np.sum(a0 * np.log(b0) - gammaln(a0) + (a0 - 1) * E_loglam - b0 * E_lam)
    entropy = np.sum(a - np.log(b) + gammaln(a) + (1 - a) * digamma(a))
    return -(lik + prior + entropy)


def _elbo_args(rng):
    counts = rng.poisson(rng.uniform(1, 6, size=(5, 1)), size=(5, 4)).astype(float)
    return (np.log(rng.uniform(3, 10, 5)), np.log(rng.uniform(1, 3, 5)), counts)


# ------------------------------------------------------------ Gaussian process

def rbf_kernel(x1, x2, lengthscale, variance):
    d2 = (x1[:, None] - x2[None, :]) ** 2
    return variance * np.exp(-0.5 * d2 / lengthscale ** 2)


def gp_neg_log_marginal(log_hyp, x, y):
    """GP regression evidence with Cholesky (scipy.linalg.cho_factor / cho_solve)."""
    ell, sf2, sn2 = np.exp(log_hyp)
    n = len(x)
    K = rbf_kernel(x, x, ell, sf2) + (sn2 + 1e-8) * np.eye(n)
    c, low = cho_factor(K, lower=True)
    alpha = cho_solve((c, low), y)
    return 0.5 * y @ alpha + np.sum(np.log(np.diag(c))) + 0.5 * n * LOG_2PI


def _gp_args(rng):
    x = np.sort(rng.uniform(0, 5, 12))
    y = np.sin(x) + 0.1 * rng.standard_normal(12)
    return (np.log(np.array([1.0, 0.8, 0.05])), x, y)


# ------------------------------------------------------ multivariate normal

def mvn_cholesky_nll(theta, Y):
    """MLE of a 3-d normal, covariance through its Cholesky factor filled from a
    vector (log of the diagonal), evaluated with scipy.stats.multivariate_normal."""
    d = Y.shape[1]
    mean = theta[:d]
    L = np.zeros((d, d))
    L[np.tril_indices(d)] = theta[d:]
    L[np.diag_indices(d)] = np.exp(np.diag(L))
    cov = L @ L.T
    return -np.sum(stats.multivariate_normal.logpdf(Y, mean=mean, cov=cov))


def _mvn_args(rng):
    A = np.array([[1.0, 0.0, 0.0], [0.5, 0.8, 0.0], [-0.3, 0.2, 0.6]])
    Y = rng.standard_normal((25, 3)) @ A.T + np.array([1.0, -1.0, 0.5])
    theta = np.array([0.9, -0.9, 0.4, 0.05, 0.4, -0.2, -0.2, 0.1, -0.4])
    return (theta, Y)


# ---------------------------------------------------------- survival analysis

def weibull_aft_nll(params, X, time, event):
    """Weibull accelerated-failure-time model with right censoring."""
    beta, log_k = params[:-1], params[-1]
    k = np.exp(log_k)
    lam = np.exp(X @ beta)          # scale per subject
    z = time / lam
    log_S = -(z ** k)               # log survival
    log_h = log_k - np.log(lam) + (k - 1) * np.log(z)
    ll = np.sum(log_S) + np.sum(log_h[event])
    return -ll


def _weibull_args(rng):
    X = np.column_stack([np.ones(30), rng.standard_normal(30)])
    t_true = np.exp(X @ np.array([1.0, 0.4])) * rng.weibull(1.5, 30)
    cens = rng.uniform(1.0, 6.0, 30)
    time = np.minimum(t_true, cens)
    event = t_true <= cens
    return (np.array([0.9, 0.35, 0.3]), X, time, event)


# ---------------------------------------------------------- ordinal regression

def ordinal_logit_nll(beta, raw_cuts, X, y):
    """Proportional-odds model; ordered cutpoints as a cumulative sum of exponentials."""
    cuts = np.cumsum(np.concatenate([raw_cuts[:1], np.exp(raw_cuts[1:])]))
    eta = X @ beta
    bounds = np.concatenate([[-np.inf], cuts, [np.inf]])
    upper = expit(bounds[y + 1] - eta)
    lower = expit(bounds[y] - eta)
    return -np.sum(np.log(upper - lower))


def _ordinal_args(rng):
    X = rng.standard_normal((40, 2))
    latent = X @ np.array([1.0, -0.5]) + rng.logistic(size=40)
    y = np.digitize(latent, [-1.0, 0.3, 1.5])
    return (np.array([0.9, -0.4]), np.array([-0.9, 0.2, 0.1]), X, y)


# ---------------------------------------------------------- Dirichlet-multinomial

def dirichlet_multinomial_nll(log_alpha, counts):
    """Overdispersed category counts (e.g. microbiome reads), one row per sample."""
    alpha = np.exp(log_alpha)
    A = alpha.sum()
    nll = 0.0
    for row in counts:
        n = row.sum()
        nll -= (gammaln(A) - gammaln(n + A)
                + np.sum(gammaln(row + alpha) - gammaln(alpha)))
    return nll


def _dirmult_args(rng):
    p = rng.dirichlet(np.array([2.0, 5.0, 1.0, 3.0]), size=10)
    counts = np.array([rng.multinomial(30, pi) for pi in p]).astype(float)
    return (np.log(np.array([1.5, 4.0, 1.2, 2.5])), counts)


# ------------------------------------------------------------- Tobit / probit

def tobit_nll(beta, log_sigma, X, y):
    """Tobit model, left-censored at zero: density for observed, cdf for censored."""
    sigma = np.exp(log_sigma)
    xb = X @ beta
    censored = y <= 0.0
    obs = ~censored
    ll_obs = stats.norm.logpdf(y[obs], loc=xb[obs], scale=sigma)
    ll_cens = stats.norm.logcdf(-xb[censored] / sigma)
    return -(ll_obs.sum() + ll_cens.sum())


def _tobit_args(rng):
    X = np.column_stack([np.ones(30), rng.standard_normal(30)])
    y = np.maximum(X @ np.array([0.3, 1.0]) + 0.7 * rng.standard_normal(30), 0.0)
    return (np.array([0.25, 0.9]), np.log(0.6), X, y)


# ------------------------------------------------------ method of moments

def gmm_moment_objective(theta, x, weights):
    """Method of moments for a (mean, variance, skew-free) model with weighted sample
    moments from np.average, np.var(ddof=1) and np.cov."""
    m, s2 = theta
    xm = np.average(x, weights=weights)
    v = np.var(x, ddof=1)
    g = np.array([xm - m, v - s2, np.mean((x - m) ** 3)])
    W = np.linalg.inv(np.cov(np.vstack([x, x ** 2])) + np.eye(2))
    return g @ np.diag([1.0, 0.5, 0.1]) @ g + 0.01 * np.sum(W)


def _gmm_args(rng):
    x = rng.normal(1.0, 1.3, 20)
    return (np.array([0.8, 1.5]), x, rng.uniform(0.5, 1.5, 20))


PROGRAMS = [
    Program("normal_nll", normal_nll, _normal_args, second_order=True),
    Program("student_t_regression", robust_regression_nll, _robust_args),
    Program("scipy_t_location", scipy_t_location_nll, _scipy_t_args, wrt=(0, 1)),
    Program("poisson_glm", poisson_glm_nll, _poisson_args, second_order=True),
    Program("gamma_regression_loop", gamma_regression_nll, _gamma_args),
    Program("beta_regression", beta_regression_nll, _beta_args, wrt=(0, 1),
            second_order=True),
    Program("negbin_grouped", negbin_grouped_nll, _negbin_args, wrt=(0, 1)),
    Program("eight_schools", eight_schools_neg_log_post, _schools_args),
    Program("logistic_map", logistic_map_loss, _logistic_args, second_order=True),
    Program("ar1_exact", ar1_exact_nll, _ar1_args, wrt=(0, 1, 2), second_order=True),
    Program("arma11_css", arma11_css, _arma_args, second_order=True),
    Program("kalman_local_trend", kalman_nll, _kalman_args),
    Program("kde_loo_bandwidth", kde_loo_nll, _kde_args),
    Program("kde_mixture_fit", kde_mixture_fit, _kde_mix_args, wrt=(0, 1)),
    Program("multi_quantile", multi_quantile_loss, _quantile_args),
    Program("huber_scale", huber_scale_loss, _huber_args, wrt=(0, 1)),
    Program("bayesian_bootstrap", bootstrap_weighted_stats, _boot_args),
    Program("weighted_mean_ess", weighted_mean_sensitivity, _wmean_args, wrt=(0, 1)),
    Program("lmm_marginal", lmm_neg_loglik, _lmm_args, second_order=True),
    Program("gamma_poisson_elbo", gamma_poisson_elbo, _elbo_args, wrt=(0, 1)),
    Program("gp_evidence_cholesky", gp_neg_log_marginal, _gp_args),
    Program("mvn_cholesky_param", mvn_cholesky_nll, _mvn_args),
    Program("weibull_censored", weibull_aft_nll, _weibull_args),
    Program("ordinal_logit", ordinal_logit_nll, _ordinal_args, wrt=(0, 1)),
    Program("dirichlet_multinomial", dirichlet_multinomial_nll, _dirmult_args,
            second_order=True),
    Program("tobit_censored", tobit_nll, _tobit_args, wrt=(0, 1)),
    Program("moments_gmm", gmm_moment_objective, _gmm_args, wrt=(0, 1, 2)),
]
