namespace AutoGrad.Data.Idx;

/// <summary>The element types of the IDX format: the third byte of an IDX file's magic number.</summary>
public enum IdxDataType : byte
{
    /// <summary>Unsigned byte (code 0x08), read as <see cref="byte"/>; the type of the MNIST files.</summary>
    UnsignedByte = 0x08,
    /// <summary>Signed byte (code 0x09), read as <see cref="sbyte"/>.</summary>
    SignedByte = 0x09,
    /// <summary>Big-endian 16-bit integer (code 0x0B), read as <see cref="short"/>.</summary>
    Int16 = 0x0B,
    /// <summary>Big-endian 32-bit integer (code 0x0C), read as <see cref="int"/>.</summary>
    Int32 = 0x0C,
    /// <summary>Big-endian IEEE 754 single (code 0x0D), read as <see cref="float"/>.</summary>
    Single = 0x0D,
    /// <summary>Big-endian IEEE 754 double (code 0x0E), read as <see cref="double"/>.</summary>
    Double = 0x0E,
}
