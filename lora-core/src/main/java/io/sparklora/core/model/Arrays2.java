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
        return Nd4j.createFromArray(data).reshape('c', shape);
    }

    public static float[] toFloats(INDArray array) {
        INDArray dense = array.dataType() == DataType.FLOAT ? array : array.castTo(DataType.FLOAT);
        return dense.dup('c').data().asFloat();
    }

    public static double[] toDoubles(INDArray array) {
        INDArray dense = array.dataType() == DataType.DOUBLE ? array : array.castTo(DataType.DOUBLE);
        return dense.dup('c').data().asDouble();
    }

    public static String shapeString(long[] shape) {
        return java.util.Arrays.toString(shape);
    }
}
