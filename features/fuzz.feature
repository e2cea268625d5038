@fuzz @case_cancel
Feature: case_cancel answers as the specification predicts, for any ids, any literal and any site

  Each scenario is a property. fast-check generates the calls from the run's seed (printed at the start
  of every run; --seed=N repeats a run, --fuzz-runs=N sets the runs of every property) and the harness's
  own oracle, written from the specification, predicts every answer. The bounds of both ranges are always
  tried first. A failure shrinks to a minimal counterexample, shows it as steps, attaches its exchanges
  and prints the one command that replays exactly that counterexample.

  With a rig the site is arranged at random. Without one the properties play on the site as found, as
  discovery read it (docs/spec/as-found.md): only reads and probes, each call one the order of checks
  answers with a fault given its port as read right before it, and every port they called reads the same
  after them. The literal forms are then judged by difference: the same answer as the plain values. The
  sequences arrange ports and need a rig.

  @assumed @source:seed @source:decided @req:CC-SUCCESS @req:CC-1000 @req:CC-1087 @req:CC-1099 @req:CC-1149-OTHER @req:CC-1149-NONE @req:CC-1152 @req:CC-1153 @req:CC-EFFECT-STATE @req:CC-EFFECT-KEEP @req:ORDER @req:PARAM-BOUNDS @req:PARAM-1004-RANGE @req:PARAM-1010-RANGE
  Scenario Outline: Any port_id and bin_id in the documented ranges, on a randomly arranged site (<encoding>)
    When the WMS cancels with any port_id and bin_id in the documented ranges on a randomly arranged site in <encoding>
    Then every answer is the one the specification predicts

    @xml
    Examples: XML
      | encoding |
      | XML      |

    @json
    Examples: JSON
      | encoding |
      | JSON     |

  @assumed @source:seed @source:decided @req:PARAM-1003 @req:PARAM-1004-RANGE @req:PARAM-1004-FORMAT @req:PARAM-1010-MISSING @req:PARAM-1010-RANGE @req:PARAM-1010-FORMAT @req:ORDER @req:ENV-CODE-RANGE
  Scenario Outline: Values outside the ranges and literals the specification refuses (<encoding>)
    When the WMS cancels with port_id and bin_id values the specification refuses in <encoding>
    Then every answer is the documented parameter fault: never a success, never a code outside 1000-1999, never an HTTP 5xx

    @xml
    Examples: XML
      | encoding |
      | XML      |

    @json
    Examples: JSON
      | encoding |
      | JSON     |

  @assumed @source:decided @req:PARAM-LITERALS @req:PARAM-BOUNDS
  Scenario Outline: Literal forms the specification accepts mean their value (<encoding>)
    When the WMS cancels with port_id and bin_id written in literal forms the specification accepts in <encoding>
    Then every answer is the one the specification predicts for the value written

    @xml
    Examples: XML
      | encoding |
      | XML      |

    @json
    Examples: JSON
      | encoding |
      | JSON     |

  @assumed @source:seed @source:decided @req:CC-SUCCESS @req:CC-EFFECT-STATE @req:CC-EFFECT-KEEP @req:CC-EFFECT-LOG @req:CC-EFFECT-REPEAT @req:CC-1000 @req:CC-1087 @req:CC-1099 @req:CC-1149-OTHER @req:CC-1149-NONE @req:CC-1152 @req:CC-1153 @req:ORDER
  Scenario Outline: Any sequence of arrangements, cancels and read-backs keeps the controller and the specification in step (<encoding>)
    When the WMS runs random sequences of arranging ports, cancelling with matching or other ids and reading the ports back in <encoding>
    Then after every command the controller and the specification agree

    @xml
    Examples: XML
      | encoding |
      | XML      |

    @json
    Examples: JSON
      | encoding |
      | JSON     |
