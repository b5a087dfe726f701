"""Finance: option pricing, risk and fixed-income programs as quants write them.

Black-Scholes prices and greeks through `scipy.stats.norm.cdf` / `scipy.special.ndtr`,
a Cox-Ross-Rubinstein tree with early exercise in loops, Monte Carlo paths from given
normal draws, Sharpe ratio and penalized mean-variance objectives, bootstrapped and
Nelson-Siegel yield curves, bond cash-flow loops, a GARCH(1,1) likelihood, Heston Euler
paths, a smoothed CVaR, an amortization schedule, and implied-vol fitting residuals.
"""

from __future__ import annotations

import math
from collections import namedtuple
from dataclasses import dataclass

import numpy as np
from corpus import Program
from scipy.special import erf, ndtr
from scipy.stats import norm

# --------------------------------------------------------------------------------------
# Black-Scholes


def bs_d1_d2(S, K, T, r, sigma):
    d1 = (np.log(S / K) + (r + 0.5 * sigma ** 2) * T) / (sigma * np.sqrt(T))
    d2 = d1 - sigma * np.sqrt(T)
    return d1, d2


def bs_call(S, K, T, r, sigma):
    d1, d2 = bs_d1_d2(S, K, T, r, sigma)
    return S * norm.cdf(d1) - K * np.exp(-r * T) * norm.cdf(d2)


def bs_put(S, K, T, r, sigma):
    d1, d2 = bs_d1_d2(S, K, T, r, sigma)
    return K * np.exp(-r * T) * norm.cdf(-d2) - S * norm.cdf(-d1)


def bs_book_value(sigma, r, spot, strikes, maturities, positions):
    """Mark-to-model of a book of calls and puts (positive position: calls)."""
    calls = bs_call(spot, strikes, maturities, r, sigma)
    puts = bs_put(spot, strikes, maturities, r, sigma)
    value = np.sum(np.where(positions > 0, positions * calls, -positions * puts))
    return value


def make_bs_book(rng):
    sigma = 0.2 + 0.1 * rng.random(6)
    r = 0.03
    spot = 100.0
    strikes = np.array([80.0, 90.0, 100.0, 105.0, 110.0, 120.0])
    maturities = np.array([0.25, 0.5, 1.0, 1.0, 1.5, 2.0])
    positions = np.array([3.0, -2.0, 1.0, 4.0, -1.0, 2.0])
    return sigma, r, spot, strikes, maturities, positions


def _phi(x):
    return np.exp(-0.5 * x * x) / math.sqrt(2.0 * math.pi)


def delta_gamma_hedge_cost(spot, vol, strikes, T, r, qty):
    """Greeks of a book via ndtr; the cost of being unhedged in delta and gamma."""
    sqt = np.sqrt(T)
    d1 = (np.log(spot / strikes) + (r + 0.5 * vol * vol) * T) / (vol * sqt)
    delta = ndtr(d1)
    gamma = _phi(d1) / (spot * vol * sqt)
    vega = spot * _phi(d1) * sqt
    book_delta = np.dot(qty, delta)
    book_gamma = np.dot(qty, gamma)
    book_vega = np.dot(qty, vega)
    cost = book_delta ** 2 + 50.0 * (spot * book_gamma) ** 2 + 1e-4 * book_vega ** 2
    return cost


def make_delta_gamma(rng):
    spot = 101.3
    vol = 0.22
    strikes = np.linspace(90.0, 115.0, 6)
    T = np.array([0.3, 0.3, 0.6, 0.6, 1.0, 1.0])
    return spot, vol, strikes, T, 0.02, rng.standard_normal(6)


def erf_digital_strip(sigma, spot, strikes, T, r, notional):
    """Cash-or-nothing digitals priced with math-style erf; loss is the strip value."""
    total = 0.0
    for k, t, n in zip(strikes, T, notional):
        d2 = (math.log(spot / k) + (r - 0.5 * sigma * sigma) * t) / (sigma * math.sqrt(t))
        prob = 0.5 * (1.0 + erf(d2 / math.sqrt(2.0)))
        total += n * math.exp(-r * t) * prob
    return total


def make_digital(rng):
    return (0.25, 100.0, [95.0, 100.0, 104.0, 110.0], [0.5, 0.75, 1.0, 2.0], 0.01,
            [1.0, 2.0, -1.5, 3.0])


# --------------------------------------------------------------------------------------
# Binomial tree


def crr_american_put(S0, K, T, r, sigma, steps=40):
    dt = T / steps
    u = math.exp(sigma * math.sqrt(dt))
    d = 1.0 / u
    p = (math.exp(r * dt) - d) / (u - d)
    disc = math.exp(-r * dt)
    # terminal payoffs
    values = np.zeros(steps + 1)
    for j in range(steps + 1):
        ST = S0 * u ** j * d ** (steps - j)
        values[j] = max(K - ST, 0.0)
    # backward induction with early exercise
    for i in range(steps - 1, -1, -1):
        for j in range(i + 1):
            cont = disc * (p * values[j + 1] + (1.0 - p) * values[j])
            exercise = K - S0 * u ** j * d ** (i - j)
            values[j] = max(cont, exercise)
    return values[0]


def make_crr(rng):
    return 98.7, 100.0, 1.0, 0.04, 0.27


# --------------------------------------------------------------------------------------
# Monte Carlo


def asian_call_mc(params, z, S0, K, T):
    mu, sigma = params["mu"], params["sigma"]
    n_paths, n_steps = z.shape
    dt = T / n_steps
    increments = (mu - 0.5 * sigma ** 2) * dt + sigma * np.sqrt(dt) * z
    log_paths = np.log(S0) + np.cumsum(increments, axis=1)
    paths = np.exp(log_paths)
    avg = paths.mean(axis=1)
    payoff = np.maximum(avg - K, 0.0)
    return np.exp(-mu * T) * payoff.mean()


def make_asian(rng):
    z = rng.standard_normal((200, 12))
    return {"mu": 0.05, "sigma": 0.3}, z, 100.0, 100.0, 1.0


# --------------------------------------------------------------------------------------
# Portfolio construction


def neg_sharpe(logits, mu, cov, rf):
    w = np.exp(logits) / np.sum(np.exp(logits))
    ret = w @ mu - rf
    vol = np.sqrt(w @ cov @ w)
    return -ret / vol


def make_sharpe(rng):
    n = 6
    a = rng.standard_normal((n, n)) * 0.1
    cov = a @ a.T + 0.02 * np.eye(n)
    mu = 0.04 + 0.06 * rng.random(n)
    return rng.standard_normal(n) * 0.3, mu, cov, 0.01


def mean_variance_penalty(w, mu, cov, risk_aversion, penalties):
    """Markowitz with budget, long-only and a turnover limit as quadratic penalties."""
    w_prev = np.full(len(w), 1.0 / len(w))
    utility = w @ mu - 0.5 * risk_aversion * w @ cov @ w
    budget = (np.sum(w) - 1.0) ** 2
    shorts = np.sum(np.minimum(w, 0.0) ** 2)
    turnover = np.sum(np.sqrt((w - w_prev) ** 2 + 1e-6)) - 0.5
    obj = -utility
    obj += penalties["budget"] * budget
    obj += penalties["long"] * shorts
    obj += penalties["turnover"] * max(turnover, 0.0) ** 2
    return obj


def make_mv(rng):
    n = 8
    a = rng.standard_normal((n, n)) * 0.1
    cov = a @ a.T + 0.01 * np.eye(n)
    w = np.full(n, 1.0 / n) + 0.15 * rng.standard_normal(n)
    return (w, 0.05 + 0.05 * rng.random(n), cov, 3.0,
            {"budget": 100.0, "long": 50.0, "turnover": 10.0})


# --------------------------------------------------------------------------------------
# Yield curves


def bootstrap_discount_factors(par_rates, tenors):
    """Annual-pay par swap rates -> discount factors, one tenor at a time."""
    dfs = np.zeros(len(par_rates))
    annuity = 0.0
    for i in range(len(par_rates)):
        c = par_rates[i]
        dfs[i] = (1.0 - c * annuity) / (1.0 + c)
        annuity += dfs[i]
    return dfs


def bootstrapped_bond_pv(par_rates, coupon, face):
    tenors = np.arange(1, len(par_rates) + 1)
    dfs = bootstrap_discount_factors(par_rates, tenors)
    zeros = -np.log(dfs) / tenors
    cashflows = np.full(len(dfs), coupon * face)
    cashflows[-1] += face
    pv = np.sum(cashflows * dfs)
    # penalize a non-smooth zero curve (second differences)
    rough = np.sum(np.diff(zeros, 2) ** 2)
    return pv + 1e4 * rough


def make_bootstrap(rng):
    par = 0.02 + 0.003 * np.arange(10) + 0.001 * rng.standard_normal(10)
    return par, 0.035, 100.0


def nelson_siegel(t, beta0, beta1, beta2, tau):
    x = t / tau
    loading1 = (1.0 - np.exp(-x)) / x
    loading2 = loading1 - np.exp(-x)
    return beta0 + beta1 * loading1 + beta2 * loading2


def ns_fit_loss(params, maturities, observed):
    fitted = nelson_siegel(maturities, params["b0"], params["b1"], params["b2"],
                           params["tau"])
    resid = fitted - observed
    return 0.5 * np.sum(resid ** 2) * 1e4


def make_ns(rng):
    m = np.array([0.25, 0.5, 1, 2, 3, 5, 7, 10, 20, 30], dtype=float)
    obs = nelson_siegel(m, 0.045, -0.02, 0.01, 1.8) + 0.0005 * rng.standard_normal(10)
    return {"b0": 0.04, "b1": -0.015, "b2": 0.02, "tau": 2.0}, m, obs


Bond = namedtuple("Bond", ["coupon", "maturity", "freq", "face"])


def bond_cashflows(bond):
    n = int(round(bond.maturity * bond.freq))
    times, flows = [], []
    for k in range(1, n + 1):
        times.append(k / bond.freq)
        cf = bond.face * bond.coupon / bond.freq
        if k == n:
            cf += bond.face
        flows.append(cf)
    return times, flows


def price_duration_convexity(y, bond):
    times, flows = bond_cashflows(bond)
    price = dur = conv = 0.0
    for t, cf in zip(times, flows):
        df = (1.0 + y / bond.freq) ** (-t * bond.freq)
        price += cf * df
        dur += t * cf * df
        conv += t * (t + 1.0 / bond.freq) * cf * df
    return price, dur / price, conv / (price * (1.0 + y / bond.freq) ** 2)


def bond_portfolio_loss(yields, bonds, target_price, target_duration):
    loss = 0.0
    for y, b, tp, td in zip(yields, bonds, target_price, target_duration):
        p, d, c = price_duration_convexity(y, b)
        loss += (p - tp) ** 2 + 10.0 * (d - td) ** 2 - 0.01 * c
    return loss


def make_ladder(rng):
    ladder = [Bond(0.02, 2.0, 1, 100.0), Bond(0.03, 5.0, 2, 100.0),
              Bond(0.04, 10.0, 2, 100.0)]
    return (np.array([0.022, 0.031, 0.041]), ladder, np.array([2.0, 3.0, 1.5]),
            600.0, 0.3)


def make_bonds(rng):
    bonds = [Bond(0.03, 5.0, 2, 100.0), Bond(0.045, 10.0, 2, 100.0),
             Bond(0.0, 2.0, 1, 100.0), Bond(0.06, 7.0, 4, 1000.0)]
    yields = np.array([0.031, 0.042, 0.025, 0.05])
    return yields, bonds, [99.0, 102.0, 95.0, 1050.0], [4.5, 8.0, 2.0, 5.5]


# --------------------------------------------------------------------------------------
# Volatility models


def garch_neg_loglik(theta, returns):
    omega, alpha, beta = theta[0], theta[1], theta[2]
    n = len(returns)
    sigma2 = np.empty(n)
    sigma2[0] = np.var(returns)
    for t in range(1, n):
        sigma2[t] = omega + alpha * returns[t - 1] ** 2 + beta * sigma2[t - 1]
    ll = -0.5 * np.sum(np.log(2 * np.pi) + np.log(sigma2) + returns ** 2 / sigma2)
    return -ll


def make_garch(rng):
    n = 150
    r = np.zeros(n)
    s2 = 1e-4
    for t in range(n):
        r[t] = np.sqrt(s2) * rng.standard_normal()
        s2 = 2e-6 + 0.08 * r[t] ** 2 + 0.9 * s2
    return np.array([0.02, 0.1, 0.85]), 100.0 * r  # returns in percent


@dataclass
class HestonParams:
    kappa: float
    theta: float
    xi: float
    rho: float
    v0: float


def heston_call_euler(params, S0, K, T, r, z1, z2):
    p = HestonParams(**params)
    n_paths, n_steps = z1.shape
    dt = T / n_steps
    logS = np.full(n_paths, math.log(S0))
    v = np.full(n_paths, p.v0)
    for k in range(n_steps):
        vp = np.maximum(v, 0.0)  # full truncation
        zs = p.rho * z1[:, k] + math.sqrt(1.0 - p.rho ** 2) * z2[:, k]
        logS = logS + (r - 0.5 * vp) * dt + np.sqrt(vp * dt) * zs
        v = v + p.kappa * (p.theta - vp) * dt + p.xi * np.sqrt(vp * dt) * z1[:, k]
    payoff = np.maximum(np.exp(logS) - K, 0.0)
    return math.exp(-r * T) * np.mean(payoff)


def make_heston(rng):
    p = {"kappa": 1.5, "theta": 0.05, "xi": 0.3, "rho": -0.6, "v0": 0.06}
    z1 = rng.standard_normal((100, 10))
    z2 = rng.standard_normal((100, 10))
    return p, 100.0, 105.0, 1.0, 0.02, z1, z2


# --------------------------------------------------------------------------------------
# Risk


def softplus(x, beta):
    return np.logaddexp(0.0, beta * x) / beta


def smooth_cvar(w, var_level, scenarios, alpha=0.95, beta=50.0):
    """Rockafellar-Uryasev CVaR with the hinge smoothed by a softplus."""
    losses = -scenarios @ w
    excess = softplus(losses - var_level, beta)
    cvar = var_level + excess.mean() / (1.0 - alpha)
    return cvar + 0.5 * (np.sum(w) - 1.0) ** 2


def make_cvar(rng):
    scen = 0.01 + 0.05 * rng.standard_normal((300, 5))
    return np.full(5, 0.2) + 0.05 * rng.standard_normal(5), 0.07, scen


def amortization_interest(annual_rate, principal, years, extra):
    """Monthly mortgage schedule with extra principal payments; total interest paid."""
    i = annual_rate / 12.0
    n = years * 12
    payment = principal * i / (1.0 - (1.0 + i) ** (-n))
    balance = principal
    schedule = []
    for month in range(n):
        interest = balance * i
        principal_paid = payment - interest + extra[month % 12]
        balance -= principal_paid
        schedule.append({"interest": interest, "balance": balance})
        if balance <= 0.0:
            break
    total_interest = sum(row["interest"] for row in schedule)
    return total_interest / 1000.0


def make_amort(rng):
    return 0.055, 250000.0, 15, np.array([0, 0, 0, 0, 0, 500, 0, 0, 0, 0, 0, 1500.0])


def svi_total_variance(k, a, b, rho, m, s):
    return a + b * (rho * (k - m) + np.sqrt((k - m) ** 2 + s ** 2))


def implied_vol_fit(svi, strikes, T, forward, market_prices):
    """Fit an SVI smile to market call prices: vega-weighted price residuals."""
    k = np.log(strikes / forward)
    w = svi_total_variance(k, *svi)
    vol = np.sqrt(w / T)
    model = bs_call(forward, strikes, T, 0.0, vol)
    d1, _ = bs_d1_d2(forward, strikes, T, 0.0, vol)
    vega = forward * norm.pdf(d1) * np.sqrt(T)
    resid = (model - market_prices) / vega
    return np.sum(resid ** 2)


def make_svi(rng):
    strikes = np.linspace(70.0, 130.0, 9)
    T = 0.5
    true = (0.01, 0.05, -0.4, 0.02, 0.15)
    k = np.log(strikes / 100.0)
    vol = np.sqrt(svi_total_variance(k, *true) / T)
    market = bs_call(100.0, strikes, T, 0.0, vol) * (1 + 0.01 * rng.standard_normal(9))
    return np.array([0.012, 0.06, -0.3, 0.0, 0.2]), strikes, T, 100.0, market


def cir_zero_rate_mc(params, r0, T, z):
    """CIR short rate with full-truncation Euler; the model's T-year zero rate."""
    kappa, theta, sigma = params["kappa"], params["theta"], params["sigma"]
    n_paths, n_steps = z.shape
    dt = T / n_steps
    r = r0 * np.ones(n_paths)
    integral = np.zeros(n_paths)
    for k in range(n_steps):
        r_pos = np.maximum(r, 0.0)  # full truncation
        integral += r_pos * dt
        r = r + kappa * (theta - r_pos) * dt + sigma * np.sqrt(r_pos * dt) * z[:, k]
    price = np.mean(np.exp(-integral))
    return -np.log(price) / T


def make_cir(rng):
    return ({"kappa": 0.8, "theta": 0.03, "sigma": 0.25}, 0.02, 2.0,
            rng.standard_normal((100, 16)))


def ladder_hedge_error(yields, ladder, weights, liability_pv, liability_dv01):
    """Match a liability's PV and DV01 with a bond ladder (positions by index)."""
    pv = 0.0
    dv01 = 0.0
    for i in range(len(ladder)):
        bond = ladder[i]
        p, d, _ = price_duration_convexity(yields[i], bond)
        pv += weights[i] * p
        dv01 += weights[i] * p * d / (1.0 + yields[i] / bond.freq) * 1e-4
    return (pv - liability_pv) ** 2 + 1e6 * (dv01 - liability_dv01) ** 2


class VasicekModel:
    """Short-rate model with closed-form zero-coupon bonds."""

    def __init__(self, a, b, sigma):
        self.a, self.b, self.sigma = a, b, sigma

    def B(self, tau):
        return (1.0 - np.exp(-self.a * tau)) / self.a

    def zcb(self, r0, tau):
        B = self.B(tau)
        lnA = (self.b - self.sigma ** 2 / (2 * self.a ** 2)) * (B - tau) \
            - self.sigma ** 2 * B ** 2 / (4 * self.a)
        return np.exp(lnA - B * r0)


def vasicek_calibration(params, r0, taus, market_yields):
    model = VasicekModel(params[0], params[1], params[2])
    prices = model.zcb(r0, taus)
    yields = -np.log(prices) / taus
    return 1e4 * np.mean((yields - market_yields) ** 2)


def make_vasicek(rng):
    taus = np.array([0.5, 1, 2, 3, 5, 7, 10.0])
    yields = 0.03 + 0.01 * (1 - np.exp(-taus / 3)) + 0.0005 * rng.standard_normal(7)
    return np.array([0.3, 0.045, 0.012]), 0.028, taus, yields


PROGRAMS = [
    Program("bs_book_value", bs_book_value, make_bs_book, wrt=(0, 1, 2),
            second_order=True),
    Program("delta_gamma_hedge_ndtr", delta_gamma_hedge_cost, make_delta_gamma,
            wrt=(0, 1, 5), second_order=True),
    Program("erf_digital_strip", erf_digital_strip, make_digital, wrt=(0, 1),
            second_order=True),
    Program("crr_american_put", crr_american_put, make_crr, wrt=(0, 4)),
    Program("asian_call_mc", asian_call_mc, make_asian, wrt=(0,)),
    Program("neg_sharpe_softmax", neg_sharpe, make_sharpe, wrt=(0, 1),
            second_order=True),
    Program("mean_variance_penalty", mean_variance_penalty, make_mv, wrt=(0, 1)),
    Program("bootstrap_bond_pv", bootstrapped_bond_pv, make_bootstrap, wrt=(0, 1)),
    Program("nelson_siegel_fit", ns_fit_loss, make_ns, wrt=(0, 2)),
    Program("bond_price_duration", bond_portfolio_loss, make_bonds, wrt=(0,)),
    Program("garch11_loglik", garch_neg_loglik, make_garch, wrt=(0,),
            second_order=True),
    Program("heston_euler_call", heston_call_euler, make_heston, wrt=(0, 1)),
    Program("smooth_cvar", smooth_cvar, make_cvar, wrt=(0, 1), second_order=True),
    Program("cir_full_truncation_mc", cir_zero_rate_mc, make_cir, wrt=(0, 1)),
    Program("bond_ladder_hedge", ladder_hedge_error, make_ladder, wrt=(0, 2)),
    Program("amortization_interest", amortization_interest, make_amort, wrt=(0, 1, 3),
            refused="list.append of a dict of run-time values"),
    Program("svi_implied_vol_fit", implied_vol_fit, make_svi, wrt=(0, 4)),
    Program("vasicek_calibration", vasicek_calibration, make_vasicek, wrt=(0, 1),
            second_order=True),
]
