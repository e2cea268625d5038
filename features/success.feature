@case_cancel
Feature: case_cancel ends an AutoCase operation that is in error

  The WMS cancels the case operation of the bin selected at an open AutoCase port when the AutoCase
  reports an error. The controller answers with empty params, ends the operation (state NOOP, error
  cleared), keeps the port's mode and selected bin, and publishes AC,<port_id>,<bin_id>,NOOP.

  @source:seed @req:CC-SUCCESS
  Scenario Outline: An operation in error is cancelled (<case_state>, <encoding>)
    Given port 4 is an AC port, OPEN, with bin 101337 selected and its case <case_state> in error
    When the WMS cancels the case operation of bin 101337 on port 4 in <encoding>
    Then the cancel succeeds

    @xml
    Examples: XML
      | case_state | encoding |
      | EREQ       | XML      |
      | ERSO       | XML      |
      | IREQ       | XML      |
      | IRTR       | XML      |
      | ICRC       | XML      |
      | ICIN       | XML      |

    @json
    Examples: JSON
      | case_state | encoding |
      | EREQ       | JSON     |
      | ERSO       | JSON     |
      | IREQ       | JSON     |
      | IRTR       | JSON     |
      | ICRC       | JSON     |
      | ICIN       | JSON     |

  @assumed @source:decided @req:CC-EFFECT-STATE
  Scenario Outline: A cancelled operation is over: state NOOP, error cleared (<encoding>)
    Given port 4 is an AC port, OPEN, with bin 101337 selected and its case ERSO in error
    When the WMS cancels the case operation of bin 101337 on port 4 in <encoding>
    Then the cancel succeeds
    And the case operation on port 4 is over: state NOOP without error

    @xml
    Examples: XML
      | encoding |
      | XML      |

    @json
    Examples: JSON
      | encoding |
      | JSON     |

  @assumed @source:decided @req:CC-EFFECT-KEEP
  Scenario Outline: The port keeps its mode and its selected bin (<encoding>)
    Given port 4 is an AC port, OPEN, with bin 101337 selected and its case ICRC in error
    When the WMS cancels the case operation of bin 101337 on port 4 in <encoding>
    Then the cancel succeeds
    And port 4 keeps its type, its mode and its selected bin

    @xml
    Examples: XML
      | encoding |
      | XML      |

    @json
    Examples: JSON
      | encoding |
      | JSON     |

  @assumed @source:decided @req:CC-EFFECT-KEEP
  Scenario Outline: A cancel leaves the other AutoCase ports as they were, their errors too (<encoding>)
    Given port 4 is an AC port, OPEN, with bin 101337 selected and its case EREQ in error
    And port 7 is an AC port, OPEN, with bin 5001 selected and its case ERSO in error
    When the WMS cancels the case operation of bin 101337 on port 4 in <encoding>
    Then the cancel succeeds
    And port 7 is unchanged

    @xml
    Examples: XML
      | encoding |
      | XML      |

    @json
    Examples: JSON
      | encoding |
      | JSON     |

  @assumed @source:decided @req:CC-EFFECT-LOG
  Scenario Outline: The Log Publisher reports the AutoCase back to NOOP (<encoding>)
    Given port 4 is an AC port, OPEN, with bin 101337 selected and its case EREQ in error
    When the WMS cancels the case operation of bin 101337 on port 4 in <encoding>
    Then the cancel succeeds
    And the controller published the Log Publisher line for bin 101337 on port 4

    @xml
    Examples: XML
      | encoding |
      | XML      |

    @json
    Examples: JSON
      | encoding |
      | JSON     |

  @assumed @source:decided @req:CC-EFFECT-LOG
  Scenario Outline: The Log Publisher line names the port and the bin by their values, however the call wrote them (<port_id>, <bin_id>, <encoding>)
    Given port 4 is an AC port, OPEN, with bin 101337 selected and its case EREQ in error
    When the WMS sends case_cancel in <encoding> with port_id <port_id> and bin_id <bin_id>
    Then the cancel succeeds
    And the controller published the Log Publisher line for bin 101337 on port 4

    @xml
    Examples: XML
      | port_id | bin_id      | encoding |
      | "+4"    | "000101337" | XML      |

    @json
    Examples: JSON
      | port_id | bin_id      | encoding |
      | '4.0'   | '101337.0'  | JSON     |

  @assumed @source:decided @req:CC-EFFECT-REPEAT
  Scenario Outline: A second cancel right after a successful one finds nothing to cancel (<encoding>)
    Given port 4 is an AC port, OPEN, with bin 101337 selected and its case ERSO in error
    When the WMS cancels the case operation of bin 101337 on port 4 in <encoding>
    Then the cancel succeeds
    And a second cancel of bin 101337 on port 4 in <encoding> answers with fault 1152

    @xml
    Examples: XML
      | encoding |
      | XML      |

    @json
    Examples: JSON
      | encoding |
      | JSON     |
