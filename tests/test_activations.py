"""The activation registry: each name's function, derivative and layer agree with each other."""
import numpy as np
import pytest

from dlhelpers.activations import ACTIVATIONS, get_activation, make_activation

X = np.linspace(-3, 3, 61) + 0.013   # no point exactly on a kink at 0


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_derivative_matches_the_central_difference_of_the_function(name):
    act = ACTIVATIONS[name]
    h = 1e-6
    numeric = (act.function(X + h) - act.function(X - h)) / (2 * h)
    np.testing.assert_allclose(act.derivative(X), numeric, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_layer_forward_is_the_function_and_backward_multiplies_by_the_derivative(name):
    act = ACTIVATIONS[name]
    layer = act.layer()
    x = X.reshape(1, -1)
    np.testing.assert_allclose(layer.forward(x), act.function(x), rtol=1e-12, atol=1e-15)
    dout = np.random.default_rng(0).standard_normal(x.shape)
    np.testing.assert_allclose(layer.backward(dout), dout * act.derivative(x), rtol=1e-12, atol=1e-15)


def test_relu_family_derivative_at_the_kink_and_below():
    x = np.array([-2.0, 0.0, 2.0])
    np.testing.assert_array_equal(ACTIVATIONS["relu"].derivative(x), [0, 0, 1])
    np.testing.assert_array_equal(ACTIVATIONS["leaky_relu"].derivative(x), [0.01, 0.01, 1])
    np.testing.assert_allclose(ACTIVATIONS["elu"].derivative(x), [np.exp(-2), 1, 1])


def test_make_activation_builds_the_registry_class():
    for name, act in ACTIVATIONS.items():
        layer = make_activation(name)
        assert type(layer) is act.layer
    assert get_activation("Leaky-ReLU") is ACTIVATIONS["leaky_relu"]
    with pytest.raises(ValueError, match=r"unknown activation 'softplus'; choose one of \['elu'"):
        get_activation("softplus")


def test_the_layers_do_not_import_the_registry():
    """One direction only: activations imports the layer classes, layers imports no registry."""
    import ast
    from pathlib import Path

    import dlhelpers.layers
    tree = ast.parse(Path(dlhelpers.layers.__file__).read_text())
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert "activations" not in imported and not hasattr(dlhelpers.layers, "make_activation")
