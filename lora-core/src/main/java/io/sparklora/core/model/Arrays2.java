package io.sparklora.core.model;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Conversions between host float arrays and ND4J arrays, in C (row-major) order. */
public final class Arrays2 {

    static {
        io.sparklora.core.backend.CpuBuild.select(); // before ND4J loads its native library
    }
    private Arrays2() {
    }

    public static INDArray fromFloats(float[] data, long[] shape) {
        if (shape.length == 0) {
            return Nd4j.scalar(data[0]);
        }
        // Created in its shape, not reshaped from a vector: a reshape is a view, and a view cannot be closed.
        return Nd4j.create(data, shape, DataType.FLOAT);
    }

    public static float[] toFloats(INDArray array) {
        INDArray dense = array.dataType() == DataType.FLOAT ? array : array.castTo(DataType.FLOAT);
        INDArray copy = dense.dup('c');
        try {
            return copy.data().asFloat();
        } finally {
            closeTemporaries(array, dense, copy); // called per parameter per step: see NativeArrays
        }
    }

    public static double[] toDoubles(INDArray array) {
        INDArray dense = array.dataType() == DataType.DOUBLE ? array : array.castTo(DataType.DOUBLE);
        INDArray copy = dense.dup('c');
        try {
            return copy.data().asDouble();
        } finally {
            closeTemporaries(array, dense, copy);
        }
    }

    /** Closes the cast and the copy made from {@code source}, never the source itself. */
    private static void closeTemporaries(INDArray source, INDArray cast, INDArray copy) {
        if (copy != source && copy != cast) {
            NativeArrays.close(copy);
        }
        if (cast != source) {
            NativeArrays.close(cast);
        }
    }

    public static String shapeString(long[] shape) {
        return java.util.Arrays.toString(shape);
    }
}
