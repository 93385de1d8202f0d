package org.globmed.data;

/** How much text a language has on the web and in training corpora: the paper's two groups. */
public enum Tier {
    HIGH,
    LOW
}
