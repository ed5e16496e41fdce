namespace AutoGrad.Tensors;

public sealed partial class Tensor
{
    /// <summary>Elementwise sum with broadcasting.</summary>
    public static Tensor operator +(Tensor a, Tensor b) => a.Add(b);

    /// <summary>Adds a scalar.</summary>
    public static Tensor operator +(Tensor a, double b) => a.Add(b);

    /// <summary>Adds a scalar.</summary>
    public static Tensor operator +(double a, Tensor b) => b.Add(a);

    /// <summary><see cref="Tensor.Add(long)"/>: an integer operand keeps an integer tensor's dtype.</summary>
    public static Tensor operator +(Tensor a, long b) => a.Add(b);

    /// <summary><see cref="Tensor.Add(long)"/> with the integer on the left.</summary>
    public static Tensor operator +(long a, Tensor b) => b.Add(a);

    /// <summary>Elementwise difference with broadcasting.</summary>
    public static Tensor operator -(Tensor a, Tensor b) => a.Sub(b);

    /// <summary>Subtracts a scalar.</summary>
    public static Tensor operator -(Tensor a, double b) => a.Sub(b);

    /// <summary>A scalar minus each element.</summary>
    public static Tensor operator -(double a, Tensor b) => b.RSub(a);

    /// <summary><see cref="Tensor.Sub(long)"/>: an integer operand keeps an integer tensor's dtype.</summary>
    public static Tensor operator -(Tensor a, long b) => a.Sub(b);

    /// <summary><see cref="Tensor.Sub(long)"/> with the integer on the left.</summary>
    public static Tensor operator -(long a, Tensor b) => b.RSub(a);

    /// <summary>Elementwise product with broadcasting.</summary>
    public static Tensor operator *(Tensor a, Tensor b) => a.Mul(b);

    /// <summary>Multiplies by a scalar.</summary>
    public static Tensor operator *(Tensor a, double b) => a.Mul(b);

    /// <summary>Multiplies by a scalar.</summary>
    public static Tensor operator *(double a, Tensor b) => b.Mul(a);

    /// <summary><see cref="Tensor.Mul(long)"/>: an integer operand keeps an integer tensor's dtype.</summary>
    public static Tensor operator *(Tensor a, long b) => a.Mul(b);

    /// <summary><see cref="Tensor.Mul(long)"/> with the integer on the left.</summary>
    public static Tensor operator *(long a, Tensor b) => b.Mul(a);

    /// <summary>Elementwise quotient with broadcasting.</summary>
    public static Tensor operator /(Tensor a, Tensor b) => a.Div(b);

    /// <summary>Divides by a scalar.</summary>
    public static Tensor operator /(Tensor a, double b) => a.Div(b);

    /// <summary>A scalar divided by each element.</summary>
    public static Tensor operator /(double a, Tensor b) => b.RDiv(a);

    /// <summary>Elementwise negation.</summary>
    public static Tensor operator -(Tensor a) => a.Neg();
}
