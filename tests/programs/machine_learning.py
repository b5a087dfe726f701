"""Machine learning: classical models written as their objectives are printed in
textbooks -- penalized logistic/ridge/smooth-lasso regression, a smooth-hinge SVM,
Gaussian-process marginal likelihood through a Cholesky factor, soft k-means, PCA-style
reconstruction, matrix factorization looping over rating triples, Gaussian naive Bayes,
kernel ridge with validation error, factorization machines, a Gaussian-mixture EM
objective, t-SNE's KL divergence, Bayesian linear-regression evidence, an MMD loss,
a Lloyd k-means step, Cox partial likelihood and unrolled coordinate descent.
"""

from __future__ import annotations

from collections import namedtuple
from dataclasses import dataclass

import numpy as np
import scipy.linalg
from corpus import Program
from scipy.spatial.distance import cdist
from scipy.special import logsumexp
from scipy.stats import norm

# --- logistic

def logistic_regression_loss(w, b, X, y, C=1.0):
    """L2-regularized logistic regression, labels in {0, 1} (sklearn's objective)."""
    z = X @ w + b
    # log(1 + exp(-z)) for y=1, log(1 + exp(z)) for y=0, written stably
    nll = np.sum(np.logaddexp(0.0, z) - y * z)
    return 0.5 * w @ w + C * nll


def make_logistic(rng):
    X = rng.standard_normal((20, 4))
    y = (X @ np.array([1.0, -1.0, 0.5, 0.0]) + 0.3 * rng.standard_normal(20) > 0).astype(float)
    return 0.1 * rng.standard_normal(4), 0.05, X, y


# --- ridge (closed form)

def ridge_validation_error(log_alpha, X_train, y_train, X_val, y_val):
    """Validation MSE of the ridge solution as a function of the log penalty."""
    alpha = np.exp(log_alpha)
    n_features = X_train.shape[1]
    A = X_train.T @ X_train + alpha * np.eye(n_features)
    w = np.linalg.solve(A, X_train.T @ y_train)
    resid = X_val @ w - y_val
    return np.mean(resid ** 2)


def make_ridge(rng):
    w_true = rng.standard_normal(5)
    X_tr, X_val = rng.standard_normal((12, 5)), rng.standard_normal((8, 5))
    return (np.log(0.7), X_tr, X_tr @ w_true + 0.5 * rng.standard_normal(12), X_val,
            X_val @ w_true + 0.5 * rng.standard_normal(8))


# --- smooth lasso

def pseudo_huber(x, delta):
    return delta ** 2 * (np.sqrt(1.0 + (x / delta) ** 2) - 1.0)


def smooth_lasso_loss(w, X, y, lam=0.3, delta=0.05):
    n = len(y)
    r = y - X @ w
    data_fit = r @ r / (2 * n)
    penalty = 0.0
    for j in range(len(w)):
        penalty += pseudo_huber(w[j], delta) / delta      # ~ |w_j| away from 0
    return data_fit + lam * penalty


def make_lasso(rng):
    X = rng.standard_normal((15, 6))
    return 0.5 * rng.standard_normal(6), X, X @ np.array([1.5, 0, 0, -2.0, 0, 0.5])


# --- smooth hinge SVM

def smooth_hinge(m):
    """Quadratically smoothed hinge (Rennie & Srebro)."""
    return np.where(m >= 1.0, 0.0, np.where(m <= 0.0, 0.5 - m, 0.5 * (1.0 - m) ** 2))


def svm_primal(w, b, X, y, lam=0.1):
    margins = y * (X @ w + b)
    return lam / 2 * np.dot(w, w) + np.mean(smooth_hinge(margins))


def make_svm(rng):
    X = rng.standard_normal((25, 3))
    y = np.sign(X[:, 0] + 0.5 * X[:, 1] + 0.2)
    return np.array([0.8, 0.3, -0.1]), 0.1, X, y


# --- GP marginal likelihood

def rbf_kernel(X1, X2, lengthscale, variance):
    sq = (np.sum(X1 ** 2, 1)[:, None] + np.sum(X2 ** 2, 1)[None, :]
          - 2.0 * X1 @ X2.T)
    return variance * np.exp(-0.5 * sq / lengthscale ** 2)


def gp_neg_log_marginal_likelihood(log_params, X, y):
    lengthscale, variance, noise = np.exp(log_params)
    n = len(y)
    K = rbf_kernel(X, X, lengthscale, variance) + (noise + 1e-8) * np.eye(n)
    L = scipy.linalg.cholesky(K, lower=True)
    alpha = scipy.linalg.cho_solve((L, True), y)
    return 0.5 * y @ alpha + np.sum(np.log(np.diag(L))) + 0.5 * n * np.log(2 * np.pi)


def make_gp(rng):
    X = np.sort(rng.uniform(-2, 2, size=(10, 1)), axis=0)
    y = np.sin(2 * X[:, 0]) + 0.1 * rng.standard_normal(10)
    return np.log(np.array([0.8, 1.2, 0.05])), X, y


# --- GP with Matern kernel, triangular solves

def matern52(r, ell):
    s = np.sqrt(5.0) * r / ell
    return (1.0 + s + s ** 2 / 3.0) * np.exp(-s)


def gp_matern_nll(theta, X, y):
    ell, sf2, sn2 = np.exp(theta[0]), np.exp(theta[1]), np.exp(theta[2])
    n = X.shape[0]
    K = np.empty((n, n))
    for i in range(n):
        for j in range(n):
            r = np.sqrt(np.sum((X[i] - X[j]) ** 2) + 1e-12)
            K[i, j] = sf2 * matern52(r, ell)
    K[np.diag_indices(n)] += sn2
    L = np.linalg.cholesky(K)
    v = scipy.linalg.solve_triangular(L, y, lower=True)
    return 0.5 * v @ v + np.log(np.diag(L)).sum()


def make_gp_matern(rng):
    X = rng.uniform(-1, 1, size=(7, 2))
    y = np.cos(X[:, 0] * 2) + X[:, 1] + 0.05 * rng.standard_normal(7)
    return np.array([np.log(0.6), 0.0, np.log(0.1)]), X, y


# --- soft k-means

def soft_kmeans_loss(centroids, X, beta=2.0):
    """Deterministic-annealing k-means free energy."""
    d2 = ((X[:, None, :] - centroids[None, :, :]) ** 2).sum(axis=-1)   # (n, k)
    return -np.sum(logsumexp(-beta * d2, axis=1)) / beta


def make_kmeans(rng):
    X = np.concatenate([rng.standard_normal((8, 2)) + [2, 0],
                        rng.standard_normal((8, 2)) - [2, 0],
                        rng.standard_normal((8, 2)) + [0, 3]])
    return rng.standard_normal((3, 2)), X


# --- PCA-like

def pca_reconstruction_loss(W, X, ortho_weight=1.0):
    """Linear autoencoder with tied weights and a soft orthonormality penalty."""
    Xc = X - X.mean(axis=0)
    Z = Xc @ W
    X_hat = Z @ W.T
    k = W.shape[1]
    recon = np.linalg.norm(Xc - X_hat, "fro") ** 2 / X.shape[0]
    ortho = np.linalg.norm(W.T @ W - np.eye(k)) ** 2
    return recon + ortho_weight * ortho


def make_pca(rng):
    A = rng.standard_normal((4, 4))
    X = rng.standard_normal((20, 4)) @ A
    return 0.5 * rng.standard_normal((4, 2)), X


def rayleigh_trace_loss(V, C):
    """Negative trace of the projected covariance, V orthonormalized by QR."""
    Q, R = np.linalg.qr(V)
    return -np.trace(Q.T @ C @ Q)


def make_rayleigh(rng):
    A = rng.standard_normal((5, 5))
    return rng.standard_normal((5, 2)), A @ A.T / 5


# --- matrix factorization

Rating = namedtuple("Rating", ["user", "item", "value"])


def mf_loss(U, V, user_bias, item_bias, ratings, mu, reg=0.05):
    err = 0.0
    for r in ratings:
        pred = mu + user_bias[r.user] + item_bias[r.item] + U[r.user] @ V[r.item]
        err += (r.value - pred) ** 2
    reg_term = reg * (np.sum(U ** 2) + np.sum(V ** 2)
                      + np.sum(user_bias ** 2) + np.sum(item_bias ** 2))
    return err / len(ratings) + reg_term


def make_mf(rng):
    n_users, n_items, k = 4, 5, 2
    ratings = [Rating(int(u), int(i), float(rng.integers(1, 6)))
               for u, i in zip(rng.integers(0, n_users, 12), rng.integers(0, n_items, 12))]
    return (0.3 * rng.standard_normal((n_users, k)), 0.3 * rng.standard_normal((n_items, k)),
            0.1 * rng.standard_normal(n_users), 0.1 * rng.standard_normal(n_items), ratings,
            3.0)


# --- naive Bayes

@dataclass
class GaussianNB:
    means: np.ndarray          # (classes, features)
    log_stds: np.ndarray       # (classes, features)
    log_prior: np.ndarray      # (classes,)

    def joint_log_likelihood(self, X):
        jll = []
        for c in range(len(self.log_prior)):
            ll = norm.logpdf(X, loc=self.means[c], scale=np.exp(self.log_stds[c])).sum(axis=1)
            jll.append(ll + self.log_prior[c])
        return np.array(jll).T

    def conditional_nll(self, X, y):
        jll = self.joint_log_likelihood(X)
        log_post = jll - logsumexp(jll, axis=1, keepdims=True)
        return -np.mean(log_post[np.arange(len(y)), y])


def naive_bayes_discriminative_loss(means, log_stds, log_prior, X, y):
    model = GaussianNB(means, log_stds, log_prior)
    return model.conditional_nll(X, y)


def make_nb(rng):
    X = np.concatenate([rng.standard_normal((6, 3)) + 1, rng.standard_normal((6, 3)) - 1])
    y = np.array([0] * 6 + [1] * 6)
    return (rng.standard_normal((2, 3)), 0.2 * rng.standard_normal((2, 3)),
            np.log(np.array([0.4, 0.6])), X, y)


# --- kernel ridge

def kernel_ridge_val_loss(X_train, log_gamma, y_train, X_val, y_val, lam=0.1):
    """Validation loss of kernel ridge regression, differentiated with respect to the
    training inputs (dataset distillation) and the kernel width."""
    from scipy.spatial.distance import cdist
    gamma = np.exp(log_gamma)
    K = np.exp(-gamma * cdist(X_train, X_train, "sqeuclidean"))
    alpha = np.linalg.solve(K + lam * np.eye(len(K)), y_train)
    K_val = np.exp(-gamma * cdist(X_val, X_train, "sqeuclidean"))
    return np.mean((K_val @ alpha - y_val) ** 2)


def make_krr(rng):
    X_tr = rng.uniform(-2, 2, size=(8, 2))
    X_val = rng.uniform(-2, 2, size=(6, 2))
    f = lambda X: np.sin(X[:, 0]) * np.cos(X[:, 1])  # noqa: E731
    return X_tr, np.log(0.5), f(X_tr), X_val, f(X_val)


# --- factorization machine

def fm_predict(w0, w, V, X):
    linear = w0 + X @ w
    # Rendle's O(kn) identity for sum_{i<j} <v_i, v_j> x_i x_j
    interactions = 0.5 * np.sum((X @ V) ** 2 - (X ** 2) @ (V ** 2), axis=1)
    return linear + interactions


def fm_logloss(params, X, y):
    scores = fm_predict(params["w0"], params["w"], params["V"], X)
    return np.mean(np.log1p(np.exp(-y * scores))) + 1e-3 * np.sum(params["V"] ** 2)


def make_fm(rng):
    d, k = 6, 3
    X = (rng.random((15, d)) < 0.4).astype(float) * rng.uniform(0.5, 1.5, (15, d))
    return ({"w0": 0.1, "w": 0.1 * rng.standard_normal(d), "V": 0.2 * rng.standard_normal((d, k))},
            X, np.where(rng.random(15) < 0.5, -1.0, 1.0))


# --- GMM EM objective

def gmm_em_objective(mu, log_sigma, logits, x, resp):
    """Expected complete-data log-likelihood (M-step objective) for a 1-D mixture,
    plus the entropy of the responsibilities (the ELBO); resp from the E-step."""
    log_pi = logits - logsumexp(logits)
    sigma = np.exp(log_sigma)
    K = len(mu)
    Q = 0.0
    for k in range(K):
        log_pdf = -0.5 * ((x - mu[k]) / sigma[k]) ** 2 - log_sigma[k] - 0.5 * np.log(2 * np.pi)
        Q += np.sum(resp[:, k] * (log_pi[k] + log_pdf))
    entropy = -np.sum(resp * np.log(resp))
    return -(Q + entropy)


def e_step(mu, log_sigma, logits, x):
    log_pi = logits - logsumexp(logits)
    lp = log_pi + norm.logpdf(x[:, None], mu, np.exp(log_sigma))
    return np.exp(lp - logsumexp(lp, axis=1, keepdims=True))


def make_gmm(rng):
    x = np.concatenate([rng.normal(-2, 0.7, 10), rng.normal(1.5, 1.0, 10)])
    mu, log_sigma, logits = np.array([-1.0, 1.0]), np.zeros(2), np.zeros(2)
    return mu, log_sigma, logits, x, e_step(mu, log_sigma, logits, x)


def gmm_marginal_nll(mu, log_sigma, logits, x):
    """Mixture negative log-likelihood evaluated via scipy.stats on each component."""
    log_pi = logits - logsumexp(logits)
    comps = [norm.logpdf(x, m, np.exp(s)) + lp for m, s, lp in zip(mu, log_sigma, log_pi)]
    return -np.sum(logsumexp(np.stack(comps, axis=1), axis=1))


def make_gmm_marginal(rng):
    x = np.concatenate([rng.normal(-2, 0.7, 10), rng.normal(1.5, 1.0, 10)])
    return np.array([-1.0, 0.5, 1.0]), 0.1 * rng.standard_normal(3), np.zeros(3), x


# --- t-SNE

def tsne_kl(Y, P):
    n = Y.shape[0]
    sum_Y = np.sum(Y ** 2, axis=1)
    D = sum_Y[:, None] + sum_Y[None, :] - 2 * Y @ Y.T
    num = 1.0 / (1.0 + D)
    num[range(n), range(n)] = 0.0
    Q = num / np.sum(num)
    Q = np.maximum(Q, 1e-12)
    mask = ~np.eye(n, dtype=bool)
    return np.sum(P[mask] * np.log(P[mask] / Q[mask]))


def make_tsne(rng):
    n = 8
    X = rng.standard_normal((n, 5))
    D = ((X[:, None] - X[None]) ** 2).sum(-1)
    P = np.exp(-D / 2)
    np.fill_diagonal(P, 0.0)
    P = P / P.sum(axis=1, keepdims=True)
    P = (P + P.T) / (2 * n)
    return rng.standard_normal((n, 2)), P


# --- Bayesian evidence

def blr_log_evidence(log_alpha, log_beta, Phi, t):
    """Negative log evidence of Bayesian linear regression (Bishop PRML 3.86)."""
    alpha, beta = np.exp(log_alpha), np.exp(log_beta)
    N, M = Phi.shape
    A = alpha * np.eye(M) + beta * Phi.T @ Phi
    m_N = beta * np.linalg.solve(A, Phi.T @ t)
    E = beta / 2 * np.sum((t - Phi @ m_N) ** 2) + alpha / 2 * m_N @ m_N
    sign, logdet = np.linalg.slogdet(A)
    log_ev = (M / 2 * np.log(alpha) + N / 2 * np.log(beta) - E - 0.5 * logdet
              - N / 2 * np.log(2 * np.pi))
    return -log_ev


def make_blr(rng):
    x = np.linspace(0, 1, 15)
    Phi = np.stack([x ** p for p in range(4)], axis=1)
    t = np.sin(2 * np.pi * x) + 0.2 * rng.standard_normal(15)
    return np.log(0.5), np.log(10.0), Phi, t


# --- MMD

def mmd2_rbf(X_gen, X_data, bandwidths=(0.5, 1.0, 2.0)):
    """Squared maximum mean discrepancy with a sum of RBF kernels (generative moment
    matching): pull generated points toward the data."""
    d_gg = cdist(X_gen, X_gen, "sqeuclidean")
    d_dd = cdist(X_data, X_data, "sqeuclidean")
    d_gd = cdist(X_gen, X_data, "sqeuclidean")
    total = 0.0
    for h in bandwidths:
        total += (np.exp(-d_gg / (2 * h ** 2)).mean() + np.exp(-d_dd / (2 * h ** 2)).mean()
                  - 2 * np.exp(-d_gd / (2 * h ** 2)).mean())
    return total


def make_mmd(rng):
    return rng.standard_normal((6, 2)), rng.standard_normal((9, 2)) + [1.0, 0.5]


# --- Lloyd step

def kmeans_after_lloyd_step(X, C):
    """Assign points to the nearest centroid, recompute centroids with a scatter-add,
    and return the within-cluster sum of squares (inertia)."""
    k, d = C.shape
    d2 = ((X[:, None, :] - C[None, :, :]) ** 2).sum(axis=2)
    labels = np.argmin(d2, axis=1)
    sums = np.zeros((k, d))
    np.add.at(sums, labels, X)
    counts = np.bincount(labels, minlength=k).astype(float)
    C_new = sums / np.maximum(counts, 1.0)[:, None]
    return np.sum((X - C_new[labels]) ** 2)


def make_lloyd(rng):
    X = np.concatenate([rng.standard_normal((5, 2)) + [3, 0], rng.standard_normal((5, 2)) - [3, 0],
                        rng.standard_normal((5, 2)) + [0, 4]])
    return X, np.array([[3.0, 0.0], [-3.0, 0.0], [0.0, 4.0]])


# --- Cox model

def cox_partial_nll(beta, X, time, event):
    """Breslow partial likelihood; risk sets via a reverse cumulative sum after sorting
    by descending time."""
    order = np.argsort(-time)
    eta = X[order] @ beta
    ev = event[order]
    log_risk = np.log(np.cumsum(np.exp(eta)))
    return -np.sum((eta - log_risk) * ev) / ev.sum()


def make_cox(rng):
    X = rng.standard_normal((12, 3))
    time = rng.exponential(1.0, 12)
    event = (rng.random(12) < 0.7).astype(float)
    return 0.2 * rng.standard_normal(3), X, time, event


# --- unrolled coordinate descent

def unrolled_cd_ridge(lam, X, y, X_val, y_val, sweeps=3):
    """Validation error after a few sweeps of cyclic coordinate descent for ridge."""
    n, p = X.shape
    w = np.zeros(p)
    r = y.copy()
    col_sq = (X ** 2).sum(axis=0)
    for _ in range(sweeps):
        for j in range(p):
            r += X[:, j] * w[j]
            w[j] = X[:, j] @ r / (col_sq[j] + lam)
            r -= X[:, j] * w[j]
    return np.mean((X_val @ w - y_val) ** 2)


def make_cd(rng):
    w_true = rng.standard_normal(4)
    X, X_val = rng.standard_normal((10, 4)), rng.standard_normal((6, 4))
    return 1.5, X, X @ w_true + 0.3 * rng.standard_normal(10), X_val, X_val @ w_true


PROGRAMS = [
    Program("logistic_regression_l2", logistic_regression_loss, make_logistic, wrt=(0, 1),
            second_order=True),
    Program("ridge_closed_form_val", ridge_validation_error, make_ridge, second_order=True),
    Program("lasso_pseudo_huber", smooth_lasso_loss, make_lasso, second_order=True),
    Program("svm_smooth_hinge", svm_primal, make_svm, wrt=(0, 1)),
    Program("gp_rbf_cholesky", gp_neg_log_marginal_likelihood, make_gp),
    Program("gp_matern_loops", gp_matern_nll, make_gp_matern),
    Program("soft_kmeans", soft_kmeans_loss, make_kmeans, second_order=True),
    Program("pca_tied_autoencoder", pca_reconstruction_loss, make_pca),
    Program("rayleigh_qr_trace", rayleigh_trace_loss, make_rayleigh),
    Program("matrix_factorization_ratings", mf_loss, make_mf, wrt=(0, 1, 2, 3)),
    Program("gaussian_naive_bayes_class", naive_bayes_discriminative_loss, make_nb,
            wrt=(0, 1, 2)),
    Program("kernel_ridge_cdist", kernel_ridge_val_loss, make_krr, wrt=(0, 1)),
    Program("mmd_rbf_cdist", mmd2_rbf, make_mmd),
    Program("factorization_machine", fm_logloss, make_fm),
    Program("gmm_em_objective", gmm_em_objective, make_gmm, wrt=(0, 1, 2)),
    Program("gmm_marginal_scipy_stats", gmm_marginal_nll, make_gmm_marginal, wrt=(0, 1, 2),
            second_order=True),
    Program("tsne_kl", tsne_kl, make_tsne, second_order=True),
    Program("bayesian_evidence_slogdet", blr_log_evidence, make_blr, wrt=(0, 1),
            second_order=True),
    Program("kmeans_lloyd_add_at", kmeans_after_lloyd_step, make_lloyd, wrt=(0, 1)),
    Program("cox_partial_likelihood", cox_partial_nll, make_cox, second_order=True),
    Program("unrolled_coordinate_descent", unrolled_cd_ridge, make_cd, second_order=True),
]
