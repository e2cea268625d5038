@case_cancel
Feature: case_cancel refuses a cancel that does not fit the port, with the documented fault

  Each error code of case_cancel answers the condition the vendor documents for it, with HTTP 200 and
  the fault in the body, and leaves the port exactly as it was.

  @error:1000 @source:seed @req:CC-1000
  Scenario Outline: A port that does not exist refuses the cancel (<encoding>)
    Given port 4 does not exist
    When the WMS cancels the case operation of bin 101337 on port 4 in <encoding>
    Then the controller answers with fault 1000
    And port 4 still does not exist

    @xml
    Examples: XML
      | encoding |
      | XML      |

    @json
    Examples: JSON
      | encoding |
      | JSON     |

  @error:1087 @source:seed @req:CC-1087
  Scenario Outline: A port that is not an AutoCase port refuses the cancel (<type>, <encoding>)
    Given port 12 is a <type> port, OPEN, with bin 101337 selected and its case ERSO in error
    When the WMS cancels the case operation of bin 101337 on port 12 in <encoding>
    Then the controller answers with fault 1087
    And port 12 is unchanged

    @xml
    Examples: XML
      | type | encoding |
      | CO   | XML      |
      | ECO  | XML      |
      | CA   | XML      |
      | VE   | XML      |
      | SW   | XML      |
      | RE   | XML      |
      | TC   | XML      |
      | FU   | XML      |
      | MU   | XML      |
      | PI   | XML      |
      | GL   | XML      |

    @json
    Examples: JSON
      | type | encoding |
      | CO   | JSON     |
      | ECO  | JSON     |
      | CA   | JSON     |
      | VE   | JSON     |
      | SW   | JSON     |
      | RE   | JSON     |
      | TC   | JSON     |
      | FU   | JSON     |
      | MU   | JSON     |
      | PI   | JSON     |
      | GL   | JSON     |

  @error:1099 @source:seed @req:CC-1099
  Scenario Outline: An AutoCase port that is not OPEN refuses the cancel (<mode>, <encoding>)
    Given port 4 is an AC port, <mode>, with bin 101337 selected and its case ERSO in error
    When the WMS cancels the case operation of bin 101337 on port 4 in <encoding>
    Then the controller answers with fault 1099
    And port 4 is unchanged

    @xml
    Examples: XML
      | mode             | encoding |
      | CLOSED           | XML      |
      | AUTO             | XML      |
      | INSERT           | XML      |
      | SWAP             | XML      |
      | SEQUENCE         | XML      |
      | DISABLED         | XML      |
      | MULTIPORT_PUPPET | XML      |
      | RUNOUT           | XML      |

    @json
    Examples: JSON
      | mode             | encoding |
      | CLOSED           | JSON     |
      | AUTO             | JSON     |
      | INSERT           | JSON     |
      | SWAP             | JSON     |
      | SEQUENCE         | JSON     |
      | DISABLED         | JSON     |
      | MULTIPORT_PUPPET | JSON     |
      | RUNOUT           | JSON     |

  @error:1149 @source:seed @req:CC-1149-OTHER
  Scenario Outline: A bin that is not the port's selected bin refuses the cancel (<encoding>)
    Given port 4 is an AC port, OPEN, with bin 101337 selected and its case ERSO in error
    When the WMS cancels the case operation of bin 101338 on port 4 in <encoding>
    Then the controller answers with fault 1149
    And port 4 is unchanged

    @xml
    Examples: XML
      | encoding |
      | XML      |

    @json
    Examples: JSON
      | encoding |
      | JSON     |

  @error:1149 @assumed @source:decided @req:CC-1149-OTHER
  Scenario Outline: A cancel of another bin publishes nothing, not even a moment after its answer (<encoding>)
    Given port 4 is an AC port, OPEN, with bin 101337 selected and its case ERSO in error
    When the WMS cancels the case operation of bin 101338 on port 4 in <encoding>
    Then the controller answers with fault 1149
    And nothing about port 4 is published within 200 ms of the answer
    And port 4 is unchanged

    @xml
    Examples: XML
      | encoding |
      | XML      |

    @json
    Examples: JSON
      | encoding |
      | JSON     |

  @error:1149 @assumed @source:decided @req:CC-1149-NONE
  Scenario Outline: A port with no bin selected refuses the cancel (<encoding>)
    Given port 4 is an AC port, OPEN, with no bin selected and its case ERSO in error
    When the WMS cancels the case operation of bin 101337 on port 4 in <encoding>
    Then the controller answers with fault 1149
    And port 4 is unchanged

    @xml
    Examples: XML
      | encoding |
      | XML      |

    @json
    Examples: JSON
      | encoding |
      | JSON     |

  @error:1152 @source:seed @req:CC-1152
  Scenario Outline: With no AutoCase operation going on there is nothing to cancel (<encoding>)
    Given port 4 is an AC port, OPEN, with bin 101337 selected and its case NOOP without error
    When the WMS cancels the case operation of bin 101337 on port 4 in <encoding>
    Then the controller answers with fault 1152
    And port 4 is unchanged

    @xml
    Examples: XML
      | encoding |
      | XML      |

    @json
    Examples: JSON
      | encoding |
      | JSON     |

  @error:1152 @assumed @source:decided @req:CC-1152
  Scenario Outline: A completed or idle operation is not active, error or not (<case_state> <case_error>, <encoding>)
    Given port 4 is an AC port, OPEN, with bin 101337 selected and its case <case_state> <case_error>
    When the WMS cancels the case operation of bin 101337 on port 4 in <encoding>
    Then the controller answers with fault 1152
    And port 4 is unchanged

    @xml
    Examples: XML
      | case_state | case_error    | encoding |
      | NOOP       | in error      | XML      |
      | ECMP       | without error | XML      |
      | ECMP       | in error      | XML      |
      | ICMP       | without error | XML      |
      | ICMP       | in error      | XML      |

    @json
    Examples: JSON
      | case_state | case_error    | encoding |
      | NOOP       | in error      | JSON     |
      | ECMP       | without error | JSON     |
      | ECMP       | in error      | JSON     |
      | ICMP       | without error | JSON     |
      | ICMP       | in error      | JSON     |

  @error:1153 @source:seed @req:CC-1153
  Scenario Outline: An active operation without error cannot be cancelled (<case_state>, <encoding>)
    Given port 4 is an AC port, OPEN, with bin 101337 selected and its case <case_state> without error
    When the WMS cancels the case operation of bin 101337 on port 4 in <encoding>
    Then the controller answers with fault 1153
    And port 4 is unchanged

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
