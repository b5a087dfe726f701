"""The public functions: grad, vjp, jvp, jacobian, hessian, hvp, source."""
